"""dreamvid: DeepDream for stills, video clips and infinite-zoom animations."""

__version__ = "0.1.0"
