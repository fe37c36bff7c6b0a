"""The studio's work without a browser, on the tiny model: a zoom clip, layer thumbnails, a render
resumed by a restarted studio."""

from __future__ import annotations

import time

import pytest

from conftest import SAMPLES, TINY_SPEC

pytest.importorskip("fastapi", reason="the studio extra is not installed: pip install '.[studio]'")


@pytest.fixture
def make_studio(tmp_path):
    from dreamvid.studio import Studio

    made = []

    def make():
        studio = Studio(tmp_path / "own", SAMPLES, models={"tiny": TINY_SPEC})
        made.append(studio)
        return studio

    yield make
    for studio in made:
        studio.close()


def wait(job, *statuses, timeout=60.0):
    deadline = time.monotonic() + timeout
    while job.status not in statuses:
        assert time.monotonic() < deadline, job.as_dict()
        time.sleep(0.02)


def test_a_still_previews_as_a_zoom_clip_with_a_layer_cycle(make_studio):
    from dreamvid.io.video_reader import count_frames

    studio = make_studio()
    form = {"source": "folder:fruits.jpg", "output": "zoom", "steps": "3", "octaves": "2", "preview_side": "96",
            "layer_cycle": "conv_a, conv_b", "cycle_seconds": "0.2", "zoom_steps": "1"}
    clip = studio.clip(form)
    assert clip["frames"] == 12 and count_frames(studio.store.path("previews", clip["video"])) == 12
    assert "--layer-cycle conv_a,conv_b --cycle-seconds 0.2" in studio.command(form)
    with pytest.raises(Exception, match="conv_z"):
        studio.look({**form, "layer_cycle": "conv_a, conv_z"})


def test_a_layer_thumbnail_is_made_once_and_kept(make_studio):
    studio = make_studio()
    first = studio.thumbnail("tiny", "conv_a")
    made = first.stat().st_mtime_ns
    assert studio.thumbnail("tiny", "conv_a") == first and first.stat().st_mtime_ns == made
    with pytest.raises(Exception, match="unknown layer"):
        studio.thumbnail("tiny", "../conv_a")


def test_a_render_cancelled_before_a_restart_resumes_in_the_new_studio(make_studio):
    from dreamvid.io.video_reader import audio_codec, count_frames

    studio = make_studio()
    form = {"source": "folder:cup.mp4", "steps": "12", "octaves": "3", "max_side": "200", "frames": "10"}
    job = studio.render(form)
    deadline = time.monotonic() + 60
    while job.frames_done < 2:
        assert time.monotonic() < deadline and job.status in ("queued", "running"), job.as_dict()
        time.sleep(0.01)
    studio.jobs.cancel(job.id)
    wait(job, "cancelled")
    kept = job.frames_done
    studio.close()

    again = make_studio()
    [restored] = again.jobs.jobs()
    assert restored.id == job.id and restored.status == "cancelled" and restored.resumable()
    assert restored.frames_done >= min(kept, 2)
    again.jobs.resume(job.id)
    wait(restored, "done", "failed")
    assert restored.status == "done", restored.error
    assert count_frames(restored.output) == 10 and audio_codec(restored.output) is not None


def test_renders_run_one_after_another_in_the_order_asked(make_studio):
    studio = make_studio()
    form = {"source": "folder:cup.mp4", "steps": "6", "octaves": "2", "max_side": "96", "frames": "4"}
    first, second = studio.render(form), studio.render({**form, "seed": "1"})
    overlapped = waited = False
    while second.status != "done":
        assert "failed" not in (first.status, second.status), (first.error, second.error)
        overlapped |= first.status == "running" and second.status == "running"
        waited |= first.status == "running" and second.status == "queued"
        time.sleep(0.005)
    assert first.status == "done" and waited and not overlapped
    assert first.output.exists() and second.output.exists()


def test_a_zoom_clip_follows_a_schedule_of_the_soundtrack(tmp_path):
    import shutil

    from dreamvid.io.video_reader import count_frames
    from dreamvid.studio import Studio
    from dreamvid.studio.forms import FieldError

    folder = tmp_path / "folder"
    folder.mkdir()
    for name in ("fruits.jpg", "beat.m4a", "music.toml"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "tiny.toml").write_text('[[keyframe]]\ntime = 0\nzoom = "1.1 + 0.8*beat"\n'
                                      'layers = { conv_a = "0.3 + treble", conv_b = "0.2 + bass" }\n')
    studio = Studio(tmp_path / "own", folder, models={"tiny": TINY_SPEC})
    try:
        form = {"source": "folder:fruits.jpg", "output": "zoom", "steps": "3", "octaves": "2", "preview_side": "96",
                "zoom_steps": "1", "schedule": "folder:tiny.toml", "soundtrack": "folder:beat.m4a"}
        clip = studio.clip(form)
        assert count_frames(studio.store.path("previews", clip["video"])) == 12
        assert "--schedule" in studio.command(form) and "--audio" in studio.command(form)
        with pytest.raises(FieldError) as caught:  # the sample schedule names VGG16's layers
            studio.look({**form, "schedule": "folder:music.toml"})
        assert caught.value.field == "schedule" and "block3_conv3" in str(caught.value)
        with pytest.raises(FieldError) as caught:
            studio.look({**form, "soundtrack": "folder:fruits.jpg"})
        assert caught.value.field == "soundtrack"
    finally:
        studio.close()


def test_a_clip_preview_follows_a_schedule_of_its_own_sound(tmp_path):
    import shutil

    from dreamvid.io.video_reader import count_frames
    from dreamvid.studio import Studio

    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(SAMPLES / "cup.mp4", folder / "cup.mp4")
    (folder / "clip.toml").write_text('[[keyframe]]\ntime = 0\nstep_size = "1 + 3*loud"\n'
                                      'layers = { conv_a = "0.3 + treble", conv_b = "0.5" }\n')
    studio = Studio(tmp_path / "own", folder, models={"tiny": TINY_SPEC})
    try:
        form = {"source": "folder:cup.mp4", "steps": "3", "octaves": "2", "preview_side": "96",
                "schedule": "folder:clip.toml", "frame": "5"}
        clip = studio.clip(form)
        assert count_frames(studio.store.path("previews", clip["video"])) == 12
        assert "--schedule" in studio.command(form)
    finally:
        studio.close()
