"""The renderer on synthetic frame streams: order, progress events, resume, the finishing wrapper."""

from __future__ import annotations

import ast
from pathlib import Path

import cv2
import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.events import ProgressEvent, RenderEvent
from dreamvid.render.renderer import AnyOrderStream, RenderPlan, render
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.stream import RenderedFrame

PACKAGE = Path(__file__).resolve().parents[2] / "dreamvid"


def counting_stream(calls: list):
    """Frame i is a flat grey of level 10*i; its state is the running sum of levels so far."""
    def stream(first, state, progress):
        calls.append((first, None if state is None else int(state["total"])))
        total = 0 if state is None else int(state["total"])
        for index in range(first, 6):
            progress(ProgressEvent(1, 1, 1, 1, float(index)))
            total += 10 * index
            yield RenderedFrame(index, np.full((8, 10, 3), 10 * index, np.uint8), {"total": np.int64(total)})
    return stream


def read_folder(folder):
    return [cv2.imread(str(path))[..., ::-1] for path in sorted(Path(folder).glob("*.png"))]


def plan(output, **changes):
    settings = dict(output=output, manifest={"kind": "test"}, fps=5, size=(10, 8), total=6)
    settings.update(changes)
    return RenderPlan(**settings)


def test_frames_are_written_in_order_with_events(tmp_path):
    events, calls = [], []
    summary = render(plan(f"{tmp_path / 'out'}/"), counting_stream(calls), on_progress=events.append)
    frames = read_folder(tmp_path / "out")
    assert [int(frame[0, 0, 0]) for frame in frames] == [0, 10, 20, 30, 40, 50]
    assert summary.frames == 6 and len(summary.seconds_per_frame) == 6 and calls == [(0, None)]
    finished = [event for event in events if event.frame_finished]
    assert [event.frames_done for event in finished] == [1, 2, 3, 4, 5, 6]
    assert all(event.total == 6 and event.seconds >= 0 for event in finished)
    steps = [event for event in events if not event.frame_finished]
    assert steps[0] == RenderEvent(0, 6, step=ProgressEvent(1, 1, 1, 1, 0.0))  # inside the first frame
    assert not work_dir_for(f"{tmp_path / 'out'}/").exists()


def test_resume_starts_the_stream_after_the_saved_frames_with_their_state(tmp_path):
    output = f"{tmp_path / 'out'}/"

    def stop_after_four(event):
        if event.frame_finished and event.frames_done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(plan(output), counting_stream([]), on_progress=stop_after_four)
    assert WorkDir(work_dir_for(output)).frames_done() == 4 and not (tmp_path / "out").exists()
    with pytest.raises(DreamvidError, match="--resume"):
        render(plan(output), counting_stream([]))
    calls = []
    summary = render(plan(output), counting_stream(calls), resume=True)
    assert calls == [(4, 0 + 10 + 20 + 30)] and summary.resumed_at == 4 and summary.frames == 6
    assert [int(frame[0, 0, 0]) for frame in read_folder(tmp_path / "out")] == [0, 10, 20, 30, 40, 50]


def test_finish_turns_made_frames_into_written_frames(tmp_path):
    def every_other(frames):
        return (frame for index, frame in enumerate(frames) if index % 2 == 0)

    summary = render(plan(f"{tmp_path / 'out'}/", finish=every_other), counting_stream([]))
    assert summary.frames == 3
    assert [int(frame[0, 0, 0]) for frame in read_folder(tmp_path / "out")] == [0, 20, 40]


def test_a_failing_stream_leaves_no_output_and_a_resumable_work_folder(tmp_path):
    output = tmp_path / "out.mp4"

    def broken(first, state, progress):
        yield RenderedFrame(0, np.zeros((8, 10, 3), np.uint8), {"total": np.int64(0)})
        raise DreamvidError("the input broke")

    with pytest.raises(DreamvidError, match="the input broke"):
        render(plan(output), broken)
    assert not output.exists() and WorkDir(work_dir_for(output)).frames_done() == 1


class ScrambledStream(AnyOrderStream):
    """Frames 0..5 (flat grey 10*i, as counting_stream) in a scrambled order, those not held; it records
    the frames it was told were held and those it made."""

    def __init__(self, order=(3, 4, 0, 5, 1, 2)):
        self.order, self.held, self.made = order, [], []

    def frames(self, work, held, progress):
        self.held.append(sorted(held))
        for index in self.order:
            if index not in held:
                self.made.append(index)
                yield RenderedFrame(index, np.full((8, 10, 3), 10 * index, np.uint8), {})


def test_frames_made_in_any_order_are_written_in_order(tmp_path):
    events, stream = [], ScrambledStream()
    summary = render(plan(f"{tmp_path / 'out'}/"), stream, on_progress=events.append)
    assert [int(frame[0, 0, 0]) for frame in read_folder(tmp_path / "out")] == [0, 10, 20, 30, 40, 50]
    assert summary.frames == 6 and stream.held == [[]]
    assert [event.frames_done for event in events if event.frame_finished] == [1, 2, 3, 4, 5, 6]
    assert not work_dir_for(f"{tmp_path / 'out'}/").exists()


def test_resume_keeps_frames_made_out_of_order_and_makes_only_the_others(tmp_path):
    output = f"{tmp_path / 'out'}/"

    def stop_after_two(event):
        if event.frame_finished and event.frames_done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(plan(output), ScrambledStream(), on_progress=stop_after_two)
    work = WorkDir(work_dir_for(output))
    assert work.stored_frames() == {3, 4} and work.in_any_order()  # not a prefix: frames 0..2 are missing
    with pytest.raises(DreamvidError, match="Ray workers"):  # a one-process stream cannot continue it
        render(plan(output), counting_stream([]), resume=True)
    stream = ScrambledStream()
    summary = render(plan(output), stream, resume=True)
    assert stream.held == [[3, 4]] and stream.made == [0, 5, 1, 2] and summary.resumed_at == 2
    assert [int(frame[0, 0, 0]) for frame in read_folder(tmp_path / "out")] == [0, 10, 20, 30, 40, 50]


def test_frames_made_in_any_order_continue_a_one_process_render(tmp_path):
    output = f"{tmp_path / 'out'}/"

    def stop_after_two(event):
        if event.frame_finished and event.frames_done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(plan(output), counting_stream([]), on_progress=stop_after_two)
    work = WorkDir(work_dir_for(output))
    cv2.imwrite(str(work.frame_path(2)), np.zeros((8, 10, 3), np.uint8))  # past the saved prefix: not trusted
    stream = ScrambledStream()
    render(plan(output), stream, resume=True)
    assert stream.held == [[0, 1]] and sorted(stream.made) == [2, 3, 4, 5]
    assert [int(frame[0, 0, 0]) for frame in read_folder(tmp_path / "out")] == [0, 10, 20, 30, 40, 50]


def test_a_frame_never_made_or_made_twice_fails_the_render(tmp_path):
    with pytest.raises(DreamvidError, match="frame 3 was never made"):
        render(plan(f"{tmp_path / 'a'}/"), ScrambledStream(order=(0, 1, 3, 4, 5)))
    with pytest.raises(DreamvidError, match="frame 2 was made twice"):
        render(plan(f"{tmp_path / 'b'}/"), ScrambledStream(order=(0, 1, 2, 1, 3, 4, 5)))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def imported_modules(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module.replace('.', '/')}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_only_the_renderer_makes_writers_and_work_folders():
    makers = {path.stem for path in PACKAGE.rglob("*.py")
              if "VideoWriter(" in path.read_text() or "WorkDir.open(" in path.read_text()}
    assert makers <= {"renderer", "video_writer", "workdir"}, makers


def test_zoom_does_not_import_the_video_pipeline():
    for module in ("zoom.frames", "zoom.loop", "render.zoom"):
        assert not {name for name in imported_modules(module) if name.startswith("dreamvid.video")}, module


def test_effects_sit_behind_one_seam_and_pipelines_reach_only_the_seam():
    from dreamvid.dream.deepdream import DeepDream
    from dreamvid.effect import Effect
    from dreamvid.style.transfer import StyleTransfer

    assert issubclass(DeepDream, Effect) and issubclass(StyleTransfer, Effect)
    implementations = {path.stem for path in PACKAGE.rglob("*.py") if "def refine(" in path.read_text()}
    # the effects, and the studio's wrapper that lets previews and a render take turns at one model
    assert implementations == {"effect", "deepdream", "transfer", "engine"}
    effects = {"dreamvid.dream.octaves", "dreamvid.dream.ascent", "dreamvid.dream.deepdream", "dreamvid.style.optimiser", "dreamvid.style.transfer"}
    for pipeline in ("video.coherence", "zoom.frames", "zoom.loop", "video.frames", "render.still", "render.video",
                     "render.zoom", "render.renderer"):
        assert not effects & imported_modules(pipeline), pipeline
