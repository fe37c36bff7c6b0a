"""dreamvid: DeepDream for stills, video clips and infinite-zoom animations.

    import dreamvid
    dreamvid.dream_image("photo.jpg", "dream.png", max_side=512)
    dreamvid.render_video("clip.mp4", "dream.mp4", dreamvid.video_settings(max_side=320, frames=50))
    dreamvid.render_zoom("photo.jpg", "zoom.mp4", dreamvid.zoom_settings(seconds=4, zoom="1.25", loop=True))

The functions take the settings classes (`DreamSettings`, `CoherenceSettings`, `VideoSettings`,
`ZoomSettings`, `ZoomRenderSettings`, `StyleSettings`, ...) or plain options that build them, and make
the same files as the command line with the same options. The effects (`DeepDream`, `StyleTransfer`)
are pure functions of (image, settings, model, seed) behind one seam (`Effect`). Importing dreamvid
is quick: TensorFlow starts only when a model is built.
"""

import os

# TensorFlow's C++ start-up chatter is not for our users; set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dreamvid.api import (  # noqa: E402
    dream_frames,
    dream_image,
    dream_settings,
    make_effect,
    render_video,
    render_zoom,
    style_settings,
    video_settings,
    zoom_settings,
)
from dreamvid.errors import DreamvidError  # noqa: E402
from dreamvid.exports import lazy_exports  # noqa: E402
from dreamvid.settings import (  # noqa: E402
    CoherenceSettings,
    DreamSettings,
    EncodeSettings,
    LayerTerm,
    RedreamSettings,
    StyleSettings,
    VideoSettings,
    ZoomRenderSettings,
    ZoomSettings,
)
from dreamvid.version import __version__  # noqa: E402

EXPORTS = {
    "DeepDream": "dreamvid.dream.deepdream",
    "StyleTransfer": "dreamvid.style.transfer",
    "Effect": "dreamvid.effect",
    "Guide": "dreamvid.effect",
    "RaySettings": "dreamvid.render.ray",
    "RenderSummary": "dreamvid.render.report",
    "read_settings": "dreamvid.io.provenance",
    "MODELS": "dreamvid.dream.models",
}
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)

__all__ = [
    "CoherenceSettings", "DeepDream", "DreamSettings", "DreamvidError", "Effect", "EncodeSettings", "Guide",
    "LayerTerm", "MODELS", "RaySettings", "RedreamSettings", "RenderSummary", "StyleSettings", "StyleTransfer",
    "VideoSettings", "ZoomRenderSettings", "ZoomSettings", "__version__", "dream_frames", "dream_image",
    "dream_settings", "make_effect", "read_settings", "render_video", "render_zoom", "style_settings",
    "video_settings", "zoom_settings",
]
