"""Still images in and out: any format OpenCV or imageio reads; PNG, JPEG or WebP out.

Reading looks at the header first (Pillow reads only the header on open): an image whose decoded size would
pass `MAX_PIXELS` is refused before a byte of pixels is allocated, and a JPEG that `max_side` will shrink
anyway is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg. The EXIF orientation is applied (phone portraits
come out upright) and the ICC colour profile is carried in the `Picture` and written back by `write_image`.
"""

from __future__ import annotations

import os
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from dreamvid.errors import DreamvidError

# OpenCV's own messages (a file it cannot read, a damaged PNG header) would print before dreamvid's
# one-line error, which says what went wrong: none.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
from dreamvid.io.paths import check_input_file, check_output_dir, discard_temporary, temporary_sibling

WRITABLE = (".png", ".jpg", ".jpeg", ".webp")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts")
MAX_PIXELS = 100_000_000  # decoded pixels; 100 MP is 300 MB as uint8 RGB, 1.2 GB as float32
# Bytes read from an image file: what MAX_PIXELS of 16-bit RGBA take uncompressed. A bigger file is not an
# image dreamvid reads (a 4 GB file of zeros named .jpg, a sparse file), and is refused before it is read.
MAX_IMAGE_BYTES = MAX_PIXELS * 8
# The smallest side the default model (VGG16: block5_conv1 sits behind 4 poolings) dreams without a
# TensorFlow pooling error: 16x16 and 16x40 work, 15x15 and 15x64 fail (measured).
MIN_SIDE = 16
_JPEG_REDUCTIONS = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                    (2, cv2.IMREAD_REDUCED_COLOR_2))
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Picture:
    """RGB pixels as float32 in 0..255, and the alpha channel (0..255) when the file had one.

    `icc_profile` is the file's embedded colour profile (None: none, which means sRGB); `original_size`
    is (width, height) of the upright image in the file, before `max_side` shrank it.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    icc_profile: bytes | None = None
    original_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of `rgb`."""
        return self.rgb.shape[1], self.rgb.shape[0]

    @property
    def shrunk(self) -> bool:
        """Whether `max_side` made the picture smaller than the file's image."""
        return self.original_size is not None and self.original_size != self.size


@dataclass(frozen=True)
class _Header:
    width: int  # as stored, before the EXIF orientation
    height: int
    format: str
    orientation: int  # EXIF 1..8; 1: as stored
    icc_profile: bytes | None


def read_image(path: str | os.PathLike, max_side: int | None = None,
               check_size: Callable[[int, int], None] | None = None) -> Picture:
    """Read a still upright (EXIF orientation), shrunk so its longer side is at most `max_side`.

    DreamvidError for a file that is not an image, one over `MAX_PIXELS` decoded pixels, or one (before or
    after shrinking) with a side under `MIN_SIDE`. `check_size(width, height)` is called with the size the
    picture will have, before its pixels are decoded where the header tells (it raises to refuse one, e.g.
    `dream.memory.check_dream_memory`).
    """
    path = check_input_file(path)
    if max_side is not None and max_side < 1:
        raise DreamvidError(f"max side must be positive, got {max_side}")
    if path.suffix.lower() in VIDEO_SUFFIXES:  # imageio would hand back its first frame as if it were a still
        raise DreamvidError(f"{path} is a video, not an image: dreamvid video dreams a clip")
    header = _read_header(path)
    if header is None:  # a format only OpenCV or imageio knows: no header to look at first
        pixels = _supported_pixels(_decode(path, cv2.IMREAD_UNCHANGED), path)
        check_pixel_count(pixels.shape[1], pixels.shape[0])
        original_size, icc_profile = (pixels.shape[1], pixels.shape[0]), None
        check_min_side(*original_size)
        if check_size is not None:
            check_size(*fitted_size(*original_size, max_side))
    else:
        swapped = header.orientation in (5, 6, 7, 8)
        original_size = (header.height, header.width) if swapped else (header.width, header.height)
        check_min_side(*original_size)
        size = fitted_size(*original_size, max_side)  # refuses a max_side that leaves too little, before decoding
        if check_size is not None:
            check_size(*size)
        reduction, flags = _reduction(header, max_side)
        check_pixel_count(header.width, header.height, reduction)
        pixels = apply_orientation(_decode(path, flags), header.orientation)
        icc_profile = header.icc_profile
    check_min_side(*original_size)
    width, height = fitted_size(*original_size, max_side)
    pixels = _supported_pixels(pixels, path)
    if (pixels.shape[1], pixels.shape[0]) != (width, height):
        pixels = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)
    picture = _to_picture(pixels, path)
    return Picture(picture.rgb, picture.alpha, icc_profile, original_size)


def check_image_header(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) of the upright image from its header, refusing one over MAX_PIXELS before decoding.

    None when Pillow does not know the format (the caller then decodes without this safeguard).
    """
    header = _read_header(Path(path))
    if header is None:
        return None
    check_pixel_count(header.width, header.height)
    swapped = header.orientation in (5, 6, 7, 8)
    return (header.height, header.width) if swapped else (header.width, header.height)


def check_pixel_count(width: int, height: int, reduction: int = 1) -> None:
    """Refuse an image whose decoded size (after a JPEG's 1/`reduction` decoding) passes MAX_PIXELS."""
    decoded = -(-width // reduction) * -(-height // reduction)
    if decoded > MAX_PIXELS:
        megapixels = width * height / 1e6
        raise DreamvidError(
            f"image is {width}x{height} ({megapixels:.0f} MP); dreamvid reads at most {MAX_PIXELS // 10**6} MP"
        )


def check_min_side(width: int, height: int, what: str = "image") -> None:
    """Refuse an image (or `what` else) too small for the network's poolings."""
    if min(width, height) < MIN_SIDE:
        raise DreamvidError(f"{what} is {width}x{height}; dreamvid needs at least {MIN_SIDE} px a side")


def fitted_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) with the longer side at most `max_side` (never enlarged); refuses a result under MIN_SIDE."""
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    fitted = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(fitted) < MIN_SIDE:
        raise DreamvidError(
            f"max side {max_side} would shrink {width}x{height} to {fitted[0]}x{fitted[1]}; "
            f"dreamvid needs at least {MIN_SIDE} px a side"
        )
    return fitted


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Turn pixels stored with EXIF orientation 1..8 upright (what Pillow's `ImageOps.exif_transpose` does)."""
    turned = {
        2: lambda p: p[:, ::-1],
        3: lambda p: p[::-1, ::-1],
        4: lambda p: p[::-1],
        5: lambda p: p.swapaxes(0, 1),
        6: lambda p: np.rot90(p, -1),
        7: lambda p: p[::-1, ::-1].swapaxes(0, 1),
        8: lambda p: np.rot90(p, 1),
    }.get(orientation)
    return pixels if turned is None else np.ascontiguousarray(turned(pixels))


def _read_header(path: Path) -> _Header | None:
    """Size, orientation and colour profile from the header, or None when Pillow does not know the format."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                try:
                    orientation = int(image.getexif().get(_EXIF_ORIENTATION, 1))
                except Exception:  # a damaged EXIF block must not stop the read
                    orientation = 1
                return _Header(image.width, image.height, image.format or "", orientation,
                               image.info.get("icc_profile") or None)
    except Image.DecompressionBombError as error:
        # Pillow refuses over 179 MP on open, before we see the size: read it from the message or the PNG header.
        # Orientation and profile are then unknown; a JPEG that max_side shrinks may still decode reduced.
        stored = _stored_size(path)
        if stored is not None:
            return _Header(stored[1], stored[2], stored[0], 1, None)
        megapixels = _bomb_pixels(str(error)) / 1e6
        raise DreamvidError(
            f"image is {megapixels:.0f} MP; dreamvid reads at most {MAX_PIXELS // 10**6} MP"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def _stored_size(path: Path) -> tuple[str, int, int] | None:
    """(format, width, height) from a PNG's IHDR or a JPEG's SOF segment, for images Pillow will not open."""
    with open(path, "rb") as file:
        start = file.read(24)
        if start[:8] == b"\x89PNG\r\n\x1a\n" and start[12:16] == b"IHDR":
            return ("PNG", *struct.unpack(">II", start[16:24]))
        if start[:2] != b"\xff\xd8":
            return None
        file.seek(2)
        while (marker := file.read(4)) and len(marker) == 4 and marker[0] == 0xFF:
            kind, length = marker[1], struct.unpack(">H", marker[2:])[0]
            if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", file.read(5)[1:])
                return "JPEG", width, height
            file.seek(length - 2, os.SEEK_CUR)
    return None


def _bomb_pixels(message: str) -> int:
    match = re.search(r"\((\d+) pixels\)", message)
    return int(match.group(1)) if match else 0


def _reduction(header: _Header, max_side: int | None) -> tuple[int, int]:
    """(factor, imread flags): a JPEG that max_side shrinks anyway is decoded at 1/2, 1/4 or 1/8 by libjpeg."""
    if header.format == "JPEG" and max_side is not None:
        for factor, flags in _JPEG_REDUCTIONS:
            if max(header.width, header.height) // factor >= max_side:
                return factor, flags | cv2.IMREAD_IGNORE_ORIENTATION
    return 1, cv2.IMREAD_UNCHANGED  # IMREAD_UNCHANGED never applies the orientation: we do


def read_file_bytes(path: str | os.PathLike) -> np.ndarray:
    """An image file's bytes, refusing one bigger than MAX_IMAGE_BYTES before reading it."""
    size = os.stat(path).st_size
    if size > MAX_IMAGE_BYTES:
        raise DreamvidError(f"{os.fspath(path)} is {size / 1e9:.1f} GB; dreamvid reads images of at most "
                            f"{MAX_IMAGE_BYTES / 1e9:.1f} GB ({MAX_PIXELS // 10**6} MP)")
    return np.fromfile(path, dtype=np.uint8)


def _decode(path: Path, flags: int) -> np.ndarray:
    data = read_file_bytes(path)
    pixels = cv2.imdecode(data, flags)
    if pixels is not None:
        return _bgr_to_rgb(_supported_pixels(pixels, path))
    return _read_with_imageio(path)


def _supported_pixels(pixels: np.ndarray, path: Path) -> np.ndarray:
    """uint8, uint16 or float32 pixels (what OpenCV resizes); other integer kinds are refused by name."""
    if pixels.ndim not in (2, 3) or pixels.size == 0 or (pixels.ndim == 3 and pixels.shape[2] > 4):
        raise DreamvidError(f"cannot read {path} as an image")
    if pixels.dtype in (np.uint8, np.uint16, np.float32):
        return pixels
    if np.issubdtype(pixels.dtype, np.floating):
        return pixels.astype(np.float32)
    raise DreamvidError(f"unsupported pixel type {pixels.dtype} in {path}")


def _read_with_imageio(path: Path) -> np.ndarray:
    import imageio.v3 as iio

    try:
        with warnings.catch_warnings():  # its warnings would print before the one-line error
            warnings.simplefilter("ignore")
            pixels = iio.imread(path, index=0)
    except Exception:  # imageio raises many kinds for non-images
        raise DreamvidError(f"cannot read {path} as an image") from None
    return np.asarray(pixels)


def _bgr_to_rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA)
    return pixels


def _to_picture(pixels: np.ndarray, path: Path) -> Picture:
    if pixels.ndim not in (2, 3) or pixels.size == 0 or min(pixels.shape[:2]) < 1:
        raise DreamvidError(f"cannot read {path} as an image")
    if pixels.dtype == np.uint16:
        values = pixels.astype(np.float32) / 257.0
    elif pixels.dtype == np.uint8:
        values = pixels.astype(np.float32)
    elif np.issubdtype(pixels.dtype, np.floating):
        values = np.clip(pixels.astype(np.float32), 0.0, 1.0) * 255.0
    else:
        raise DreamvidError(f"unsupported pixel type {pixels.dtype} in {path}")
    if values.ndim == 2:
        values = values[..., None]
    channels = values.shape[2]
    alpha = values[..., 3].copy() if channels == 4 else (values[..., 1].copy() if channels == 2 else None)
    colour = values[..., :3] if channels >= 3 else np.repeat(values[..., :1], 3, axis=2)
    return Picture(np.ascontiguousarray(colour), alpha)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def check_image_output(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix.lower() not in WRITABLE:
        raise DreamvidError(
            f"cannot write {path.suffix or 'files without an extension'}: use one of {', '.join(WRITABLE)}"
        )
    return check_output_dir(path)


def write_image(path: str | os.PathLike, rgb: np.ndarray, alpha: np.ndarray | None = None, *,
                icc_profile: bytes | None = None, text: dict[str, str] | None = None) -> Path:
    """Write under a temporary name, then rename, so the output appears only when complete.

    `icc_profile` is embedded in PNG, JPEG and WebP; `text` becomes PNG text chunks (ignored for JPEG and
    WebP). JPEG is written at quality 95, WebP losslessly; JPEG drops the alpha channel.
    """
    from PIL import Image, PngImagePlugin

    path = check_image_output(path)
    pixels = to_uint8(rgb)
    extension = path.suffix.lower()
    if alpha is not None and extension in (".png", ".webp"):
        alpha = cv2.resize(alpha, (pixels.shape[1], pixels.shape[0])) if alpha.shape != pixels.shape[:2] else alpha
        image = Image.fromarray(np.dstack([pixels, to_uint8(alpha)]), "RGBA")
    else:
        image = Image.fromarray(pixels, "RGB")
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if extension == ".png":
        chunks = PngImagePlugin.PngInfo()
        for key, value in (text or {}).items():
            chunks.add_text(key, value)
        options.update(format="PNG", pnginfo=chunks)
    elif extension == ".webp":
        options.update(format="WEBP", lossless=True)
    else:
        options.update(format="JPEG", quality=95)
    try:
        temporary = temporary_sibling(path)
    except OSError as error:
        raise DreamvidError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        image.save(temporary, **options)
        os.replace(temporary, path)
    except OSError as error:
        raise DreamvidError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        discard_temporary(path, temporary)  # ours (made by temporary_sibling); nothing once renamed
    return path


def read_png_text(path: str | os.PathLike) -> dict[str, str]:
    """The text chunks a PNG carries before its pixels (reads the header only); {} for anything else."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.format != "PNG":
                return {}
            return {key: value for key, value in image.info.items() if isinstance(value, str)}
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return {}


def png_with_text(encoded: bytes, text: dict[str, str]) -> bytes:
    """Encoded PNG bytes with tEXt chunks added right after the header (so a header-only read finds them)."""
    end_of_header = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    if encoded[:8] != b"\x89PNG\r\n\x1a\n" or encoded[12:16] != b"IHDR":
        raise ValueError("not PNG bytes")
    chunks = []
    for key, value in text.items():
        data = key.encode("latin-1") + b"\0" + value.encode("latin-1")
        chunks.append(struct.pack(">I", len(data)) + b"tEXt" + data
                      + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF))
    return encoded[:end_of_header] + b"".join(chunks) + encoded[end_of_header:]


def fit_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """Shrink so the longer side is at most max_side (never enlarges); refuses a result under MIN_SIDE."""
    height, width = rgb.shape[:2]
    size = fitted_size(width, height, max_side)
    if size == (width, height):
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
