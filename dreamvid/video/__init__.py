"""Video coherence: optical flow, carrying each frame's result onto the next, re-dreaming regions left short, the frame stream."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "video_frames": "dreamvid.video.frames",
    "Coherence": "dreamvid.video.coherence",
    "CoherenceState": "dreamvid.video.coherence",
    "FlowEstimator": "dreamvid.video.flow",
    "warp": "dreamvid.video.flow",
    "consistency_mask": "dreamvid.video.flow",
    "is_scene_cut": "dreamvid.video.flow",
    "Redream": "dreamvid.video.redream",
    "MotionAhead": "dreamvid.video.motion_ahead",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
