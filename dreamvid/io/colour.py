"""Colour tags of video streams: what a source says of its colours, what is assumed when it says nothing,
and the ffmpeg arguments that make an output's RGB -> YUV conversion and its tags agree.

Tags use ffmpeg's names: the YUV matrix (`colorspace`: bt709, smpte170m, bt470bg, bt2020nc, ...), the
primaries, the transfer curve and the range (tv: limited 16..235, pc: full 0..255). ffmpeg prints them
in a stream's line: `yuv420p(tv, smpte170m/smpte170m/bt709, progressive)`, or one name when all three
agree, `yuv420p(tv, bt709, progressive)`; untagged streams print none.

A tagged source keeps its tags: the reader decodes it with its own matrix (ffmpeg does so by itself), the
writer encodes with the same matrix and writes the same tags, so a BT.709 source gives a BT.709 output.
Parts the source leaves unset are filled from its matrix's standard (a bare `bt709` matrix gets BT.709
primaries and curve). A matrix ffmpeg's scaler cannot write (YCgCo, RGB-coded H.264, constant-luminance
BT.2020) is replaced by the one an untagged source of that size would get; its primaries and curve stay.

An untagged YUV source is taken the way players take it (mpv, VLC and browsers guess from the size):
BT.709 when it is HD (at least 1280 wide or more than 576 high), BT.601 (smpte170m) below. The reader
decodes it with that matrix, and the writer tags the output with it explicitly, so the output looks in
every player as the source looks in one that guesses. An RGB source (GIF, PNG frames, cinepak, stills
for a zoom) has sRGB colours, whose primaries are BT.709's: its outputs are tagged BT.709.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dreamvid.errors import DreamvidError

# ffmpeg's matrix names -> the names its scale filter's out_color_matrix takes for them (old and new builds).
SCALE_MATRICES = {"bt709": "bt709", "smpte170m": "smpte170m", "bt470bg": "bt470", "fcc": "fcc",
                  "smpte240m": "smpte240m", "bt2020nc": "bt2020"}
# The primaries and transfer curve that go with each matrix, for a source that names only its matrix.
STANDARD = {"bt709": ("bt709", "bt709"), "smpte170m": ("smpte170m", "smpte170m"),
            "bt470bg": ("bt470bg", "smpte170m"), "fcc": ("bt470m", "bt470m"),
            "smpte240m": ("smpte240m", "smpte240m"), "bt2020nc": ("bt2020", "bt2020-10")}
RANGES = ("tv", "pc")
# Names that are a matrix, primaries and curve at once: ffmpeg prints one of them for all three.
_SHARED_NAMES = frozenset({"bt709", "smpte170m", "smpte240m", "bt470bg"})
_UNSET = frozenset({"unknown", "reserved", "unspecified"})
# Pixel formats that carry RGB (or grey), not YUV: no matrix is involved in decoding them.
_RGB_FORMAT = re.compile(r"(?:[0ax]?(?:rgb|bgr)|x2rgb|x2bgr|gbr|pal8|gray|ya|monow|monob)")
# "h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1280x720 ...": the pixel format
# and what its parentheses hold (field order may hold "(swapped)" itself).
_PIXEL_FORMAT = re.compile(r",\s*([0-9a-z_]+)(?:\(((?:[^()]|\([^()]*\))*)\))?\s*(?:,|$)")


@dataclass(frozen=True)
class ColourTags:
    """The colour description an output is encoded with and tagged with (ffmpeg's names)."""

    matrix: str = "bt709"
    primaries: str = "bt709"
    transfer: str = "bt709"
    range: str = "tv"

    def __post_init__(self) -> None:
        if self.matrix not in SCALE_MATRICES:
            raise DreamvidError(f"cannot encode with the {self.matrix!r} matrix; use one of {', '.join(SCALE_MATRICES)}")
        if self.range not in RANGES:
            raise DreamvidError(f"a range is tv or pc, not {self.range!r}")

    def encoding_filter(self) -> str:
        """ffmpeg filters that turn RGB frames into yuv420p with this matrix and range, and tag them so."""
        return (f"scale=out_color_matrix={SCALE_MATRICES[self.matrix]}:out_range={self.range},format=yuv420p,"
                f"setparams=colorspace={self.matrix}:color_primaries={self.primaries}:color_trc={self.transfer}"
                f":range={self.range}")

    def encoder_arguments(self) -> list[str]:
        """The same tags as encoder options (what older ffmpeg builds write into the stream)."""
        return ["-colorspace", self.matrix, "-color_primaries", self.primaries, "-color_trc", self.transfer,
                "-color_range", self.range]


BT709 = ColourTags()
BT601 = ColourTags("smpte170m", "smpte170m", "smpte170m")


@dataclass(frozen=True)
class SourceColour:
    """A source's colours: the tags its outputs get, and the matrix the reader must decode it with when
    the source names none (None: ffmpeg decodes it by its own tags, or it is RGB)."""

    tags: ColourTags
    decode_matrix: str | None = None


def is_hd(width: int, height: int) -> bool:
    """The size players take for HD when a stream does not say its matrix (mpv's rule)."""
    return width >= 1280 or height > 576


def source_colour(stream_line: str, width: int, height: int) -> SourceColour:
    """The colours of a video stream from its `ffmpeg -i` line (the text after "Video: ") and its size."""
    pixel_format = _PIXEL_FORMAT.search(stream_line)
    rgb = pixel_format is None or _RGB_FORMAT.match(pixel_format.group(1)) is not None
    matrix = primaries = transfer = colour_range = None
    for item in ((pixel_format and pixel_format.group(2)) or "").split(","):
        item = item.strip()
        if item in RANGES:
            colour_range = item
        elif "/" in item and item.count("/") == 2:
            matrix, primaries, transfer = (None if name in _UNSET else name for name in item.split("/"))
        elif item in _SHARED_NAMES:
            matrix = primaries = transfer = item
    if rgb:  # sRGB unless it says otherwise; its range is the RGB's, not the output's
        return SourceColour(ColourTags("bt709", primaries or "bt709", transfer or "bt709"))
    guess = BT709 if is_hd(width, height) else BT601
    encoded = matrix if matrix in SCALE_MATRICES else guess.matrix
    standard_primaries, standard_transfer = STANDARD[encoded]
    tags = ColourTags(encoded, primaries or standard_primaries, transfer or standard_transfer, colour_range or "tv")
    return SourceColour(tags, None if matrix is not None else SCALE_MATRICES[guess.matrix])
