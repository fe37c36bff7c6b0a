"""Click-to-picture times of the studio in a real browser against the library in the same process.

    nice -n 5 python bench/studio_latency.py [--rounds 3] [--side 320]

One process serves the studio (the real default model, VGG16) on a free local port and drives it
from Debian's headless Chromium with Playwright; the library calls run in the same process on the
same picture with the same settings, once the model is loaded and the step traced, alternating
with the studio's round by round. Reported, as medians over the rounds:

- a preview: from the click on Preview to the dreamed picture loaded in the page, against
  `dream_image` of the same picture at the same size;
- four variants (step sizes 1.5, 3, 6, 12): from the click to the four pictures loaded, against one preview;
- a 12-frame coherent preview clip of samples/cup.mp4: from the click to the clip ready to play in
  the page, against the library's own 12-frame render (`render_video`) at that size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

CLICK_AND_WAIT = """async ([button, selector, count]) => {
  const before = new Set([...document.querySelectorAll(selector)].map((node) => node.src));
  const started = performance.now();
  document.getElementById(button).click();
  const ready = (node) => node.tagName === "VIDEO" ? node.readyState >= 2 : node.complete && node.naturalWidth > 0;
  while (true) {
    const nodes = [...document.querySelectorAll(selector)].filter((node) => node.src && !before.has(node.src));
    if (nodes.length >= count && nodes.every(ready)) return (performance.now() - started) / 1000;
    const error = document.getElementById("action-error").textContent;
    if (error) throw new Error(error);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", type=int, default=320)
    parser.add_argument("--image", default=str(ROOT / "samples" / "fruits.jpg"))
    parser.add_argument("--clip", default=str(ROOT / "samples" / "cup.mp4"))
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    import dreamvid
    from dreamvid.io.images import read_image, to_uint8
    from dreamvid.render.video import render_video
    from dreamvid.settings import DreamSettings, VideoSettings
    from dreamvid.studio import Studio
    from dreamvid.studio.serve import serve_in_background

    work = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    folder = work / "folder"
    folder.mkdir()
    image, clip = folder / Path(options.image).name, folder / Path(options.clip).name
    image.symlink_to(Path(options.image).resolve())
    clip.symlink_to(Path(options.clip).resolve())
    studio = Studio(work / "own", folder)
    address, stop = serve_in_background(studio)

    started = time.perf_counter()
    effect = dreamvid.make_effect(max_side=options.side)  # the library's own effect for these settings
    pixels = to_uint8(read_image(options.image).rgb)
    dreamvid.dream_image(pixels, effect=effect, max_side=options.side)  # trace the step
    clip_settings = VideoSettings(dream=DreamSettings(max_side=options.side), frames=12)
    print(f"library: model loaded and step traced in {time.perf_counter() - started:.1f} s", flush=True)

    times: dict[str, list[float]] = {"library image": [], "studio preview": [], "studio variants": [],
                                     "library clip": [], "studio clip": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(600_000)
        page.goto(f"{address}/")
        page.locator("#look [name=preview_side]").fill(str(options.side))

        def choose(name: str) -> None:
            page.get_by_label("or from the folder").select_option(f"folder:{name}")
            page.get_by_role("status").filter(has_text=f"loaded {name}").wait_for()

        choose(image.name)
        page.evaluate(CLICK_AND_WAIT, ["preview-button", "#preview-image", 1])  # the studio's model and step
        page.locator("#vary").select_option("step_size")
        page.locator("#values").fill("1.5, 3, 6, 12")
        for round_index in range(options.rounds):
            choose(image.name)
            begun = time.perf_counter()
            dreamvid.dream_image(pixels, effect=effect, max_side=options.side)
            times["library image"].append(time.perf_counter() - begun)
            times["studio preview"].append(page.evaluate(CLICK_AND_WAIT, ["preview-button", "#preview-image", 1]))
            times["studio variants"].append(page.evaluate(CLICK_AND_WAIT, ["variants-button", "#variants img", 4]))
            output = work / f"library-{round_index}.mp4"
            begun = time.perf_counter()
            render_video(clip, output, clip_settings, effect)
            times["library clip"].append(time.perf_counter() - begun)
            choose(clip.name)
            times["studio clip"].append(page.evaluate(CLICK_AND_WAIT, ["clip-button", "#clip-video", 1]))
            print(f"round {round_index + 1}: " + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in times.items()),
                  flush=True)
        browser.close()
    stop()
    studio.close()

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nmedians over {options.rounds} rounds, {options.side} px, VGG16 defaults:")
    for name, value in median.items():
        print(f"  {name:16} {value:7.2f} s")
    print(f"  preview / dream_image          {median['studio preview'] / median['library image']:.2f}x (target 1.2x)")
    print(f"  four variants / one preview    {median['studio variants'] / median['studio preview']:.2f}x (target 4.5x)")
    print(f"  preview clip / library render  {median['studio clip'] / median['library clip']:.2f}x (target 1.2x)")


if __name__ == "__main__":
    main()
