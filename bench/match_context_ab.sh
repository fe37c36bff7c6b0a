#!/usr/bin/env bash
# A/B of RedreamSettings.match_context on the footage that does not flatter the re-dreaming (issue 21):
# for each clip, bench/motion_coverage.py once without and once with it, against one per-frame dream
# cached per clip (so both rows are divided by the same independent figures).
#
#     bench/match_context_ab.sh FOOTAGE_DIR REAL_DIR CACHE_DIR [PYTHON]
#
# FOOTAGE_DIR from bench/make_footage.py --frames 24, REAL_DIR from bench/real_footage.py. Prints each
# run's table; the "dreamvid / independent" lines are the figures. No speed claim: the runs share the machine.
set -euo pipefail
footage=$1 real=$2 cache=$3 python=${4:-python}
mkdir -p "$cache"
cd "$(dirname "$0")/.."
run() {  # name clip frames max_side [extra args...]
    local name=$1 clip=$2 frames=$3 side=$4
    shift 4
    for mode in --no-match-context --match-context; do
        echo "== $name $mode $*"
        "$python" bench/motion_coverage.py "$clip" --frames "$frames" --max-side "$side" --first-frame 6 \
            --skip-no-redream --independent-cache "$cache/$name.json" "$mode" "$@"
    done
}
run vtest "$real/vtest.avi" 30 480
run people "$footage/people.mp4" 24 480
run tiled "$footage/tiled.mp4" 24 320
run vehicle "$footage/vehicle.mp4" 24 480
run megamind "$real/Megamind.avi" 24 320
run vtest_ds05 "$real/vtest.avi" 24 480 --dream-scale 0.5
run bikes_pan "$real/bikes.mp4" 24 480 --start 2.48
run bikes "$real/bikes.mp4" 30 480
