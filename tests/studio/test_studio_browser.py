"""The studio end to end in a real headless Chromium, on the tiny model: preview, variants, render, cancel and resume, bad input, traversal."""

from __future__ import annotations

import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

import cv2
import numpy as np
import pytest
from conftest import SAMPLES, TINY_SPEC

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory):
    """(the Studio, its base address): FOLDER holds copies of two samples; the studio's own folder is apart."""
    pytest.importorskip("fastapi", reason="the studio extra is not installed: pip install '.[studio]'")

    from dreamvid.studio import Studio
    from dreamvid.studio.serve import serve_in_background

    base = tmp_path_factory.mktemp("studio")
    folder = base / "folder"
    folder.mkdir()
    for name in ("cup.mp4", "fruits.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    studio = Studio(base / "own", folder, models={"tiny": TINY_SPEC}, max_upload_mb=5)
    studio.warm_up()  # as `dreamvid studio` does at start: TensorFlow and the model, before the first click
    address, stop = serve_in_background(studio)
    yield studio, address
    stop()
    studio.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright; skipped only where Chromium is absent and CI does not ask for it."""
    if not os.path.exists(CHROMIUM) or not _has_playwright():
        if os.environ.get("DREAMVID_BROWSER_TESTS") == "required":
            pytest.fail(f"browser tests are required here but {CHROMIUM} or playwright is missing")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} and the playwright package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def page(browser, studio_server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(studio_server[1] + "/")
    yield page
    context.close()


# Light settings, so that every dream on the tiny model takes a fraction of a second.
QUICK = {"steps": "4", "octaves": "2", "preview_side": "128"}


def fill(page, values: dict) -> None:
    for name, value in values.items():
        page.locator(f'#look [name="{name}"]').fill(value)


def choose_input(page, path) -> None:
    page.get_by_label("Input", exact=True).set_input_files(str(path))
    page.get_by_role("status").filter(has_text="loaded").wait_for()


def decoded(png: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


def test_a_loaded_image_is_previewed_dreamed(page):
    choose_input(page, SAMPLES / "fruits.jpg")
    fill(page, QUICK)
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("img", name=re.compile("^preview"))
    preview.wait_for()
    assert preview.get_attribute("src").startswith("/files/previews/")
    dreamed = decoded(page.request.get(preview.evaluate("image => image.src")).body())
    plain = decoded(page.request.get(page.locator("#frame-view").evaluate("image => image.src")).body())
    assert page.locator("#frame-view").get_attribute("src").endswith("side=128")  # the frame at preview size
    assert dreamed.shape == plain.shape and max(dreamed.shape[:2]) == 128
    assert np.abs(dreamed.astype(int) - plain.astype(int)).mean() > 2  # dreamed, not the picture as it was


def test_four_variants_appear_in_a_labelled_grid(page):
    choose_input(page, SAMPLES / "fruits.jpg")
    fill(page, QUICK)
    page.locator("#vary").select_option("step_size")
    page.get_by_label("Values").fill("1, 2, 4, 8")
    page.get_by_role("button", name="Variants").click()
    grid = page.locator("#variants figure")
    grid.nth(3).wait_for()
    assert grid.count() == 4
    captions = [text.split(" (")[0] for text in grid.locator("figcaption").all_inner_texts()]
    assert captions == ["step size 1", "step size 2", "step size 4", "step size 8"]
    for index, value in enumerate(("1", "2", "4", "8")):
        assert grid.nth(index).get_by_role("img").get_attribute("alt") == f"preview: step size {value}"
    pictures = [decoded(page.request.get(grid.nth(index).locator("img").evaluate("image => image.src")).body())
                for index in range(4)]
    assert np.abs(pictures[0].astype(int) - pictures[3].astype(int)).mean() > 1  # the step size shows


def render_from_folder(page, values: dict):
    """Pick cup.mp4 from the folder, set the values, press Render; the job's list item."""
    page.get_by_label("or from the folder").select_option("folder:cup.mp4")
    page.get_by_role("status").filter(has_text="loaded cup.mp4").wait_for()
    fill(page, values)
    page.get_by_role("button", name="Render").click()
    job = page.locator("#jobs li").first
    job.wait_for()
    return job


def download(page, job, target):
    with page.expect_download() as event:
        job.get_by_role("link", name="Download").click()
    event.value.save_as(target)
    return target


def test_a_short_video_render_shows_progress_to_the_end_and_downloads_with_audio(page, tmp_path):
    from dreamvid.io.video_reader import audio_codec, count_frames

    job = render_from_folder(page, {**QUICK, "max_side": "96", "frames": "8"})
    seen = set()
    state = job.locator(".job-state")
    while not state.inner_text().startswith(("done", "failed")):
        seen.add(state.inner_text())
        page.wait_for_timeout(50)
    assert state.inner_text() == "done: 8 of 8 frames", state.inner_text()
    assert any(text.startswith(("running", "queued")) for text in seen), seen
    assert job.locator("progress").get_attribute("value") == "8"
    output = download(page, job, tmp_path / "render.mp4")
    assert count_frames(output) == 8
    assert audio_codec(output) is not None


def test_a_cancelled_render_resumes_to_the_same_frames(page, studio_server, tmp_path):
    from dreamvid.io.video_reader import open_video
    from dreamvid.render.video import render_video

    studio, _ = studio_server
    frames = 14
    job = render_from_folder(page, {"steps": "12", "octaves": "3", "max_side": "200", "frames": str(frames),
                                    "preview_side": "200"})
    state = job.locator(".job-state")
    page.wait_for_function("""() => /^running: ([3-9]|1[0-1]) of 14/.test(
        document.querySelector('#jobs li .job-state').textContent)""", polling=20)
    job.get_by_role("button", name="Cancel").click()
    page.wait_for_function("() => document.querySelector('#jobs li .job-state').textContent.startsWith('cancelled')")
    kept = int(re.match(r"cancelled: (\d+) of", state.inner_text()).group(1))
    assert 0 < kept < frames
    record = studio.jobs.get(job.get_attribute("id").removeprefix("job-"))
    assert record.resumable()
    job.get_by_role("button", name="Resume").click()
    page.wait_for_function("() => document.querySelector('#jobs li .job-state').textContent.startsWith('done')",
                           timeout=60_000)
    assert state.inner_text() == f"done: {frames} of {frames} frames"
    resumed = download(page, job, tmp_path / "resumed.mp4")

    look = studio.look(record.form)  # the same settings, rendered in one go by the library
    whole = tmp_path / "whole.mp4"
    render_video(studio.source(look.source).path, whole, look.video, studio.engine.video_effect(look.video))

    def pixels(path):
        _, reader = open_video(path)
        with reader:
            return [frame.copy() for frame in reader]

    resumed_frames, whole_frames = pixels(resumed), pixels(whole)
    assert len(resumed_frames) == len(whole_frames) == frames
    assert all(np.array_equal(a, b) for a, b in zip(resumed_frames, whole_frames, strict=True))


def test_a_text_file_named_mp4_gives_one_line_and_the_next_preview_works(page, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are notes, not a video\n" * 20)
    page.get_by_label("Input", exact=True).set_input_files(str(fake))
    error = page.locator('.field-error[data-for="input"]')
    error.filter(has_text="notes.mp4").wait_for()
    assert "\n" not in error.inner_text() and "not a video" in error.inner_text()
    assert str(tmp_path) not in error.inner_text()
    choose_input(page, SAMPLES / "fruits.jpg")
    fill(page, QUICK)
    page.get_by_role("button", name="Preview", exact=True).click()
    page.get_by_role("img", name=re.compile("^preview")).wait_for()
    assert error.inner_text() == ""


def test_a_traversal_file_name_is_stored_under_a_generated_name(page, studio_server):
    studio, base = studio_server
    png = cv2.imencode(".png", cv2.imread(str(SAMPLES / "fruits.jpg")))[1].tobytes()
    uploads = studio.store.root / "uploads"
    before = set(os.listdir(uploads))
    page.get_by_label("Input", exact=True).set_input_files(
        files=[{"name": "../../x.png", "mimeType": "image/png", "buffer": png}])
    page.get_by_role("status").filter(has_text="loaded").wait_for()
    direct = json_request(f"{base}/api/upload?name={urllib.parse.quote('../../x.png')}", png)  # past the browser
    assert direct["source"].startswith("upload:")
    added = set(os.listdir(uploads)) - before
    assert len(added) == 2 and all(re.fullmatch(r"[0-9a-f]{32}\.png", name) for name in added)
    for place in (studio.store.root, studio.store.root.parent, studio.store.root.parent.parent, uploads.parent.parent):
        assert not (place / "x.png").exists()
    for path in ("/files/uploads/..%2F..%2Fx.png", "/files/uploads/../../x.png", "/files/..%2Fown/x.png",
                 "/folder/..%2Fown%2Fuploads", "/folder/%2Fetc%2Fpasswd",
                 "/api/frame?source=folder:../folder/fruits.jpg", "/api/frame?source=upload:../../x.png",
                 "/api/source?source=folder:/etc/passwd"):
        status, body = plain_request(base + path)
        assert status in (400, 404), (path, status)
        assert b"root:" not in body


def json_request(url: str, data: bytes) -> dict:
    import json

    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")) as response:
        return json.loads(response.read())


def plain_request(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_dropping_a_dreamvid_output_loads_the_settings_that_made_it(page):
    import base64

    choose_input(page, SAMPLES / "fruits.jpg")
    fill(page, {**QUICK, "seed": "3", "step_size": "2.5"})
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("img", name=re.compile("^preview"))
    preview.wait_for()
    made = page.request.get(preview.evaluate("image => image.src")).body()
    fill(page, {"steps": "9", "seed": "0", "step_size": "3"})
    page.evaluate("""async (data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dreamed.png", { type: "image/png" }));
        document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", base64.b64encode(made).decode())
    page.get_by_role("status").filter(has_text="loaded the settings of dreamed.png").wait_for()
    values = {name: page.locator(f'#look [name="{name}"]').input_value() for name in ("steps", "seed", "step_size")}
    assert values == {"steps": "4", "seed": "3", "step_size": "2.5"}
