"""The studio's screenshot for the docs: the real default model, a preview, four variants and a render under way.

    nice -n 5 python bench/studio_screenshot.py docs/studio.png [--side 256]

Serves the studio on a free local port over samples/ (read only; its own folder is a temporary one),
drives it in Debian's headless Chromium, and saves a full-page screenshot once the render shows a
finished frame.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--side", type=int, default=256)
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from dreamvid.studio import Studio
    from dreamvid.studio.serve import serve_in_background

    studio = Studio(Path(tempfile.mkdtemp(prefix="studio-shot-")) / "own", ROOT / "samples")
    studio.warm_up()
    address, stop = serve_in_background(studio)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(1_800_000)
        page.goto(f"{address}/")
        page.locator("#look [name=preview_side]").fill(str(options.side))
        page.get_by_label("or from the folder").select_option("folder:cup.mp4")
        page.get_by_role("status").filter(has_text="loaded cup.mp4").wait_for()
        page.locator("#look [name=max_side]").fill("320")
        page.locator("#look [name=frames]").fill("24")
        page.get_by_role("button", name="Render").click()
        page.get_by_label("or from the folder").select_option("folder:fruits.jpg")
        page.get_by_role("status").filter(has_text="loaded fruits.jpg").wait_for()
        page.get_by_role("button", name="Preview", exact=True).click()
        page.get_by_role("img", name="preview of fruits.jpg, frame 1").wait_for()
        page.locator("#vary").select_option("step_size")
        page.locator("#values").fill("1.5, 3, 6, 12")
        page.get_by_role("button", name="Variants").click()
        page.locator("#variants figure").nth(3).wait_for()
        page.wait_for_function("() => { const node = document.querySelector('#jobs .job-frame');"
                               " const done = document.querySelector('#jobs .job-result video');"
                               " return done || (node && !node.hidden && node.complete && node.naturalWidth > 0); }")
        page.screenshot(path=options.output, full_page=True)
        print(f"wrote {options.output}")
        browser.close()
    stop()
    studio.close()


if __name__ == "__main__":
    main()
