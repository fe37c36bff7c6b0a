"""dreamvid: DeepDream for stills, video clips and infinite-zoom animations.

The one-call library functions (`dream_image`, `dream_frames`, `make_effect`) load TensorFlow only
when called, so importing dreamvid stays quick.
"""

import os

# TensorFlow's C++ start-up chatter is not for our users; set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
__all__ = ["DreamvidError", "__version__", "dream_frames", "dream_image", "make_effect"]

from dreamvid.api import dream_frames, dream_image, make_effect  # noqa: E402
from dreamvid.errors import DreamvidError  # noqa: E402
