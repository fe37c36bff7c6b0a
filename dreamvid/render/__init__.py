"""Rendering: the one renderer and its work folder (resume), reports, and the still, video, zoom and Ray renders."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "dream_file": "dreamvid.render.still",
    "render_video": "dreamvid.render.video",
    "render_zoom": "dreamvid.render.zoom",
    "render": "dreamvid.render.renderer",
    "RenderPlan": "dreamvid.render.renderer",
    "RenderSummary": "dreamvid.render.report",
    "write_report": "dreamvid.render.report",
    "WorkDir": "dreamvid.render.workdir",
    "RaySettings": "dreamvid.render.ray",
    "plan_segments": "dreamvid.render.segments",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
