"""Still images: header-first bounded reads, upright EXIF orientation, ICC profiles kept, tiny images refused."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import textured_image
from PIL import Image, ImageCms, ImageOps

from dreamvid.errors import DreamvidError
from dreamvid.io.images import MIN_SIDE, apply_orientation, fit_max_side, read_image, read_png_text, write_image

ROOT = Path(__file__).resolve().parents[2]
EXIF_ORIENTATION = 0x0112


def marked_image(height=32, width=48) -> np.ndarray:
    """A texture with a red top-left corner, so any turn or mirror shows."""
    pixels = textured_image(height, width).astype(np.uint8)
    pixels[:6, :6] = (255, 0, 0)
    return pixels


def save_with_orientation(path: Path, pixels: np.ndarray, orientation: int, **options) -> None:
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = orientation
    image.save(path, exif=exif, **options)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path, orientation):
    path = tmp_path / "photo.png"  # PNG keeps the pixels exact, so the comparison can be exact
    save_with_orientation(path, marked_image(), orientation)
    upright = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    picture = read_image(path)
    assert np.array_equal(picture.rgb.astype(np.uint8), upright)
    assert picture.original_size == (upright.shape[1], upright.shape[0])


def test_phone_portrait_jpeg_comes_out_upright(tmp_path):
    path = tmp_path / "portrait.jpg"
    pixels = marked_image(32, 48)  # stored landscape; orientation 6: turn 90 degrees clockwise to view
    save_with_orientation(path, pixels, 6, quality=95)
    picture = read_image(path)
    assert picture.size == (32, 48)
    red = picture.rgb[..., 0] - picture.rgb[..., 1]
    assert red[:6, -6:].mean() > 150 and red[:6, :6].mean() < 100  # the red corner is now top-right


def test_reduced_jpeg_read_is_upright_too(tmp_path):
    path = tmp_path / "portrait.jpg"
    save_with_orientation(path, cv2.resize(marked_image(32, 48), (480, 320), interpolation=cv2.INTER_NEAREST), 6,
                          quality=95)
    picture = read_image(path, max_side=60)  # decoded at 1/4, then shrunk to 40x60
    assert picture.size == (40, 60) and picture.original_size == (320, 480) and picture.shrunk
    red = picture.rgb[..., 0] - picture.rgb[..., 1]
    assert red[:5, -5:].mean() > 150


def test_apply_orientation_keeps_unknown_values():
    pixels = np.arange(24).reshape(2, 4, 3)
    assert apply_orientation(pixels, 1) is pixels and apply_orientation(pixels, 0) is pixels


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("extension", [".png", ".jpg", ".webp"])
def test_icc_profile_round_trip(tmp_path, extension):
    profile = srgb_profile()
    source = tmp_path / "tagged.png"
    Image.fromarray(marked_image()).save(source, icc_profile=profile)
    picture = read_image(source)
    assert picture.icc_profile == profile
    output = write_image(tmp_path / f"out{extension}", picture.rgb, icc_profile=picture.icc_profile)
    assert Image.open(output).info.get("icc_profile") == profile
    assert read_image(output).icc_profile == profile


def test_untagged_image_has_no_profile_and_png_text_travels(tmp_path):
    source = tmp_path / "plain.png"
    cv2.imwrite(str(source), marked_image())
    assert read_image(source).icc_profile is None
    output = write_image(tmp_path / "out.png", read_image(source).rgb, text={"dreamvid": "steps=10 layers=ü"})
    assert read_png_text(output)["dreamvid"] == "steps=10 layers=ü"
    assert read_png_text(source) == {}


def test_written_png_keeps_alpha_and_pixels(tmp_path):
    rgb = textured_image(40, 48)
    alpha = np.linspace(0, 255, 40 * 48, dtype=np.float32).reshape(40, 48)
    output = write_image(tmp_path / "out.png", rgb, alpha)
    picture = read_image(output)
    assert np.array_equal(picture.rgb, np.rint(rgb).astype(np.float32))
    assert np.array_equal(picture.alpha, np.rint(alpha).astype(np.float32))
    assert [path.name for path in tmp_path.iterdir()] == ["out.png"]


def test_max_side_shrink_is_reported(tmp_path):
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), textured_image(80, 96).astype(np.uint8))
    assert not read_image(path).shrunk and read_image(path).original_size == (96, 80)
    picture = read_image(path, max_side=48)
    assert picture.size == (48, 40) and picture.original_size == (96, 80) and picture.shrunk
    assert read_image(path, max_side=500).size == (96, 80)


@pytest.mark.parametrize("size, max_side, message", [
    ((15, 15), None, "image is 15x15; dreamvid needs at least 16 px a side"),
    ((1, 1), None, "image is 1x1"),
    ((2000, 15), None, "image is 2000x15"),
    ((2000, 20), 1000, "max side 1000 would shrink 2000x20 to 1000x10; dreamvid needs at least 16 px a side"),
    ((96, 80), 1, "max side 1 would shrink 96x80 to 1x1"),
])
def test_images_too_small_for_the_network_are_refused(tmp_path, size, max_side, message):
    path = tmp_path / "small.png"
    cv2.imwrite(str(path), np.full((size[1], size[0], 3), 128, np.uint8))
    with pytest.raises(DreamvidError, match=message):
        read_image(path, max_side=max_side)


def test_smallest_image_passes():
    rgb = np.zeros((MIN_SIDE, 40, 3), np.float32)
    assert fit_max_side(rgb, None) is rgb
    with pytest.raises(DreamvidError, match="max side 20 would shrink 40x16 to 20x8"):
        fit_max_side(rgb, 20)


def peak_memory_of_read(path: Path, max_side: int | None) -> tuple[str, float]:
    """Read in a fresh process; returns its outcome and its peak resident memory in MB (Linux)."""
    script = (
        "import sys\n"
        "from dreamvid.errors import DreamvidError\n"
        "from dreamvid.io.images import read_image\n"
        "try:\n"
        f"    outcome = 'read %dx%d' % read_image(sys.argv[1], {max_side}).size\n"
        "except DreamvidError as error:\n"
        "    outcome = str(error)\n"
        "print(outcome)\n"
        # VmHWM: this process's own peak (ru_maxrss would include the parent's, kept across exec)
        "print([int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')][0] / 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, timeout=120, check=True)
    outcome, peak = result.stdout.strip().splitlines()
    return outcome, float(peak)


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory):
    """20000x20000, one colour: about 1.2 MB on disk, 1.2 GB as uint8 and 4.8 GB as float32 once decoded."""
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    cv2.imwrite(str(path), np.zeros((20000, 20000, 3), np.uint8))  # calloc'd zeros: read, never resident
    return path


@pytest.mark.parametrize("max_side", [None, 512])
def test_huge_png_is_refused_from_its_header(huge_png, max_side):
    outcome, peak_megabytes = peak_memory_of_read(huge_png, max_side)
    assert outcome == "image is 20000x20000 (400 MP); dreamvid reads at most 100 MP"
    assert peak_megabytes < 300


def test_big_jpeg_is_decoded_reduced_when_max_side_shrinks_it(tmp_path):
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), np.zeros((9000, 12000, 3), np.uint8))  # 108 MP
    outcome, _ = peak_memory_of_read(path, None)
    assert outcome == "image is 12000x9000 (108 MP); dreamvid reads at most 100 MP"
    outcome, peak_megabytes = peak_memory_of_read(path, 1000)
    assert outcome == "read 1000x750"
    assert peak_megabytes < 300  # the full decode alone would be 324 MB
