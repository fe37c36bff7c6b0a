"""dreamvid: DeepDream for stills, video clips and infinite-zoom animations."""

import os

# TensorFlow's C++ start-up chatter is not for our users; set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
