"""Input and output: stills, the ffmpeg video reader and writer, colour tags, output paths and provenance."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "Picture": "dreamvid.io.images",
    "read_image": "dreamvid.io.images",
    "write_image": "dreamvid.io.images",
    "VideoInfo": "dreamvid.io.video_reader",
    "open_video": "dreamvid.io.video_reader",
    "probe_video": "dreamvid.io.video_reader",
    "VideoWriter": "dreamvid.io.video_writer",
    "ColourTags": "dreamvid.io.colour",
    "read_settings": "dreamvid.io.provenance",
    "OutputLock": "dreamvid.io.paths",
    "check_input_file": "dreamvid.io.paths",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
