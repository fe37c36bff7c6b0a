#!/usr/bin/env bash
# Checksums of four small renders, to compare two trees of dreamvid (e.g. before and after a refactor):
# a still (fruits.jpg at 128 px), a video (cup.mp4, 8 frames at 128 px), a 16-frame zoom loop and a 64-px
# styled still, all with the same seed; sha256 of each file and of its decoded pixels.
#
#     PYTHONPATH=TREE bench/checksums.sh OUTDIR      (run from TREE; media from ../shared/media)
set -eu
out=${1:?output folder}; mkdir -p "$out"
media=${MEDIA:-../shared/media}
tiny=(--max-side 128 --steps 3 --octaves 2 --seed 1 -q)
python -m dreamvid image "$media/fruits.jpg" -o "$out/still.png" "${tiny[@]}"
python -m dreamvid video "$media/cup.mp4" -o "$out/video.mp4" --frames 8 "${tiny[@]}"
python -m dreamvid zoom "$media/fruits.jpg" -o "$out/zoom.mp4" --frames 16 --loop "${tiny[@]}"
python -m dreamvid image "$media/fruits.jpg" -o "$out/style.png" --max-side 64 --style "$media/starry_night.jpg" \
    --style-steps 10 --seed 1 -q
python - "$out" <<'PY'
import hashlib, pathlib, sys

import imageio.v3 as iio
import numpy as np

for path in sorted(pathlib.Path(sys.argv[1]).glob("*.*")):
    pixels = iio.imread(path, index=None) if path.suffix == ".mp4" else iio.imread(path)
    print(path.name, "file", hashlib.sha256(path.read_bytes()).hexdigest()[:16],
          "pixels", hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()[:16], np.shape(pixels))
PY
