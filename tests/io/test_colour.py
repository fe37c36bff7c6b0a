"""Colour tags read from ffmpeg's stream lines, and the guesses for sources that give none."""

import pytest

from dreamvid.errors import DreamvidError
from dreamvid.io.colour import BT601, BT709, ColourTags, source_colour


@pytest.mark.parametrize("line, size, tags, decode", [
    # tagged: kept, decoded by ffmpeg with its own matrix
    ("h264 (High) (avc1 / 0x31637661), yuv420p(tv, smpte170m/smpte170m/bt709, progressive), 320x240 [SAR 1:1]",
     (320, 240), ColourTags("smpte170m", "smpte170m", "bt709", "tv"), None),
    ("h264 (High), yuv420p(tv, bt709, progressive), 64x64", (64, 64), BT709, None),
    ("mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 640x480", (640, 480),
     ColourTags("bt470bg", "bt470bg", "smpte170m", "pc"), None),
    ("hevc (Main 10), yuv420p10le(tv, bt2020nc/bt2020/smpte2084), 3840x2160", (3840, 2160),
     ColourTags("bt2020nc", "bt2020", "smpte2084", "tv"), None),
    # untagged YUV: what players assume for the size, and the reader decodes with it
    ("h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 320x240, 352 kb/s", (320, 240), BT601, "smpte170m"),
    ("vp9 (Profile 0), yuv420p(tv, progressive), 720x576, SAR 1:1", (720, 576), BT601, "smpte170m"),
    ("h264 (Main) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9]", (1280, 720), BT709, "bt709"),
    ("h264, yuv420p(tv, unknown/bt709/bt709, progressive), 1920x1080", (1920, 1080), BT709, "bt709"),
    # a matrix the scaler cannot write: the size's guess instead, the rest kept; interlaced field order
    ("h264, yuv420p(tv, ycgco/bt709/bt709, top coded first (swapped)), 1920x1080", (1920, 1080), BT709, None),
    # RGB: sRGB, BT.709 primaries
    ("cinepak (cvid / 0x64697663), rgb24, 320x240, 334 kb/s", (320, 240), BT709, None),
    ("h264 (High 4:4:4 Predictive), gbrp(pc, gbr/bt709/iec61966-2-1, progressive), 640x480", (640, 480),
     ColourTags("bt709", "bt709", "iec61966-2-1", "tv"), None),
])
def test_source_colour(line, size, tags, decode):
    colour = source_colour(line, *size)
    assert colour.tags == tags and colour.decode_matrix == decode


def test_encoding_filter_converts_and_tags_alike():
    tags = ColourTags("smpte170m", "smpte170m", "bt709", "pc")
    assert tags.encoding_filter() == ("scale=out_color_matrix=smpte170m:out_range=pc,format=yuv420p,"
                                      "setparams=colorspace=smpte170m:color_primaries=smpte170m:color_trc=bt709:range=pc")
    assert tags.encoder_arguments() == ["-colorspace", "smpte170m", "-color_primaries", "smpte170m",
                                        "-color_trc", "bt709", "-color_range", "pc"]


def test_a_matrix_that_cannot_be_encoded_is_refused():
    with pytest.raises(DreamvidError, match="ycgco"):
        ColourTags("ycgco")
