"""Measures of a render: flicker, dream strength, motion coverage, sharpness, loop seams; contact sheets."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "flicker": "dreamvid.measure.metrics",
    "flicker_ratio": "dreamvid.measure.metrics",
    "strength": "dreamvid.measure.metrics",
    "motion_coverage": "dreamvid.measure.metrics",
    "sharpness": "dreamvid.measure.metrics",
    "VideoFigures": "dreamvid.measure.metrics",
    "FlickerMeter": "dreamvid.measure.metrics",
    "MotionCoverageMeter": "dreamvid.measure.metrics",
    "contact_sheet": "dreamvid.measure.contact_sheet",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
