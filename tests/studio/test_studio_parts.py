"""The studio's parts without a browser: the form to settings, the store, the turns at the model."""

from __future__ import annotations

import json
import threading
import time

import pytest

from dreamvid.errors import DreamvidError
from dreamvid.settings import DreamSettings
from dreamvid.studio.engine import Turns
from dreamvid.studio.forms import FieldError, command_line, form_from_provenance, look_from_form, variant_forms
from dreamvid.studio.storage import Store


def test_a_bad_number_names_its_field_in_one_line():
    with pytest.raises(FieldError) as caught:
        look_from_form({"steps": "ten"}, "image")
    assert caught.value.field == "steps" and str(caught.value) == "steps must be a whole number, got 'ten'"


@pytest.mark.parametrize("field, text, settings", [
    ("steps", "0", {"steps": 0}), ("step_size", "-1", {"step_size": -1.0}),
    ("octave_scale", "1", {"octave_scale": 1.0}), ("seed", "-3", {"seed": -3}),
])
def test_settings_errors_are_the_settings_classes_own_beside_their_field(field, text, settings):
    with pytest.raises(DreamvidError) as expected:
        DreamSettings(**settings)
    with pytest.raises(FieldError) as caught:
        look_from_form({field: text}, "image")
    assert str(caught.value) == str(expected.value) and caught.value.field == field


def test_a_video_form_makes_the_cli_s_settings_and_command():
    look = look_from_form({"layers": "block4_conv3=1, block5_conv1:7=0.5", "steps": "6", "blend": "0.8",
                           "frames": "12", "audio": "", "redream": ""}, "video")
    assert look.output == "video" and look.dream.max_side == 640 and look.video.frames == 12
    assert look.video.coherence.redream is None and not look.video.audio
    assert [str(term) for term in look.dream.layers] == ["block4_conv3=1", "block5_conv1:7=0.5"]
    assert command_line(look, "in put.mp4") == (
        "dreamvid video 'in put.mp4' -o dreamed.mp4 --layer block4_conv3=1 --layer block5_conv1:7=0.5 "
        "--steps 6 --frames 12 --no-audio --blend 0.8 --no-redream")
    assert look.preview().dream.max_side == 320


def test_the_settings_a_file_carries_fill_the_form_that_made_them():
    from dreamvid.io.provenance import provenance

    form = {"layers": "conv_b=0.5", "steps": "3", "step_size": "2.5", "seed": "4", "max_side": "200",
            "blend": "0.7", "frames": "9", "audio": "on", "redream": "on"}
    look = look_from_form(form, "video")
    carried = json.loads(provenance("video", look.video))
    again = look_from_form(form_from_provenance(carried), "video")
    assert again.video == look.video


def test_variants_vary_one_field_at_most_four_times():
    forms = variant_forms({"steps": "3"}, "layers", "conv_a, conv_b")
    assert [label for label, _ in forms] == ["layer conv_a", "layer conv_b"]
    assert [form["layers"] for _, form in forms] == ["conv_a", "conv_b"]
    with pytest.raises(FieldError, match="at most 4"):
        variant_forms({}, "step_size", "1,2,3,4,5")
    with pytest.raises(FieldError):
        variant_forms({}, "octaves; rm -rf", "1")


@pytest.mark.parametrize("name", ["../x.png", "..", "/etc/passwd", "a/b.png", "x.png", "0" * 32 + ".png/..",
                                  "%2e%2e%2fx.png", "0" * 31 + ".png"])
def test_a_name_that_is_not_a_generated_one_is_refused(tmp_path, name):
    store = Store(tmp_path / "own", tmp_path)
    with pytest.raises(DreamvidError, match="no such studio file"):
        store.path("uploads", name)
    with pytest.raises(DreamvidError):
        store.source(f"upload:{name}")
    with pytest.raises(DreamvidError, match="no such file in the folder"):
        store.folder_path(name)


def test_uploads_get_generated_names_and_a_size_limit(tmp_path):
    store = Store(tmp_path / "own", None, max_upload_mb=1)
    stored = store.save_upload("../../evil.PNG", [b"x" * 10])
    assert stored.parent == store.root / "uploads" and stored.suffix == ".png" and "evil" not in stored.name
    with pytest.raises(DreamvidError, match="neither an image nor a video"):
        store.save_upload("notes.txt", [b"x"])
    with pytest.raises(DreamvidError, match="larger than the upload limit of 1 MB"):
        store.save_upload("big.mp4", [b"x" * (1 << 19)] * 3)
    assert sorted(path.name for path in (store.root / "uploads").iterdir()) == [stored.name]  # nothing else kept


def test_turns_at_the_model_go_in_the_order_asked():
    turns, order = Turns(), []
    holding = threading.Event()

    def first():
        with turns.turn():
            holding.set()
            time.sleep(0.2)
            order.append("first")

    def later(name: str):
        with turns.turn():
            order.append(name)

    threads = [threading.Thread(target=first)] + [threading.Thread(target=later, args=(f"w{i}",)) for i in range(4)]
    threads[0].start()
    holding.wait()
    for asked, thread in enumerate(threads[1:], start=2):
        thread.start()
        while turns.issued < asked:  # each asks only once the one before it is waiting
            time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert order == ["first", "w0", "w1", "w2", "w3"]


def test_requests_the_routes_cannot_read_get_one_line_of_json(tmp_path):
    """A query number that is not one, a body that is not the form or not JSON, an unknown path: the same
    `{"error": one line, "field": ...}` as every other bad request, not FastAPI's own lists."""
    import urllib.error
    import urllib.request

    from conftest import SAMPLES, TINY_SPEC

    pytest.importorskip("uvicorn", reason="the studio extra is not installed: pip install '.[studio]'")
    from dreamvid.studio import Studio
    from dreamvid.studio.serve import serve_in_background

    studio = Studio(tmp_path / "own", SAMPLES, models={"tiny": TINY_SPEC})
    address, stop = serve_in_background(studio)
    try:
        for path, body, status, field in [
            ("/api/frame?source=folder:fruits.jpg&side=nan", None, 400, "side"),
            ("/api/frame?source=folder:fruits.jpg&index=1e3", None, 400, "index"),
            ("/api/preview", b'{"form": "not a dict"}', 400, "form"),
            ("/api/preview", b'{"nothing": 1}', 400, "form"),
            ("/api/preview", b"[" * 1000, 400, None),
            ("/files/uploads/..%2F..%2Fetc%2Fpasswd", None, 404, None),
            ("/api/jobs/x/nothing", b"", 404, None),
        ]:
            request = urllib.request.Request(address + path, data=body, headers={"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(request, timeout=30)
            data = json.loads(answer.value.read())
            assert answer.value.code == status and set(data) == {"error", "field"}, (path, data)
            assert data["field"] == field and data["error"] and "\n" not in data["error"], (path, data)
    finally:
        stop()
        studio.close()
