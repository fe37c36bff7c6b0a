"""The infinite zoom: camera moves, keyframe schedules and their formulas, the zoom stream and the loop."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "zoom_frames": "dreamvid.zoom.frames",
    "CameraMove": "dreamvid.zoom.camera",
    "apply_camera": "dreamvid.zoom.camera",
    "Schedule": "dreamvid.zoom.schedule",
    "load_schedule": "dreamvid.zoom.schedule",
    "layer_cycle_schedule": "dreamvid.zoom.schedule",
    "Expression": "dreamvid.zoom.formulas",
    "loop_crossfade": "dreamvid.zoom.loop",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
