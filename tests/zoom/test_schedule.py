import dataclasses
import json
import math
from pathlib import Path

import pytest

from dreamvid.errors import DreamvidError
from dreamvid.zoom.schedule import Keyframe, layer_cycle_schedule, load_schedule

TOML = """\
[[keyframe]]
time = 0
zoom = 1.2
pan = [0.0, 0.1]
layers = { block3_conv3 = 1.0 }

[[keyframe]]
time = 10
zoom = 2.2
rotate = 10
layers = { block5_conv1 = 2.0 }
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_values_interpolate_and_hold(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", TOML))
    assert schedule.value("zoom", -1, 9) == 1.2
    assert schedule.value("zoom", 5, 9) == pytest.approx(1.7)
    assert schedule.value("zoom", 20, 9) == 2.2
    assert schedule.value("rotate", 5, 0.0) == 10  # only one keyframe names it: held
    assert schedule.value("step_size", 5, 3.0) == 3.0  # none names it: the default
    assert schedule.value("pan", 5, (0, 0)) == (0.0, 0.1)
    layers = schedule.value("layers", 2.5, None)
    assert layers == pytest.approx({"block3_conv3": 0.75, "block5_conv1": 0.5})
    assert schedule.layer_names == ("block3_conv3", "block5_conv1")


def test_json_schedule(tmp_path):
    text = '{"keyframe": [\n  {"time": 0, "zoom": 1.5},\n  {"time": 4, "zoom": 0.5}\n]}\n'
    schedule = load_schedule(write(tmp_path, "s.json", text))
    assert schedule.value("zoom", 2, 1.0) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "text, words",
    [
        (TOML.replace("zoom = 2.2", "zoom = -1"), "s.toml line 9: zoom must be positive"),
        (TOML.replace("rotate = 10", "rotat = 10"), "s.toml line 10: unknown key 'rotat'"),
        (TOML.replace("time = 10", "time = 0"), "s.toml line 8: keyframe times must increase"),
        (TOML.replace("pan = [0.0, 0.1]", "pan = [0.0]"), "s.toml line 4: pan must be two numbers"),
        (TOML.replace("zoom = 1.2", "zoom = 'fast'"), "s.toml line 3 \\(keyframe 1 `zoom`\\): cannot read expression 'fast' at column 1: unknown name 'fast'"),
        (TOML.replace("zoom = 1.2", "zoom = true"), "s.toml line 3: zoom must be a number or a formula, got True"),
        (TOML.replace("[[keyframe]]\ntime = 10", "[[keyframe]]\ntime = = 10"), "line 8"),
        ("title = 'nothing'\n", "needs a list of keyframes"),
    ],
)
def test_bad_toml_names_the_line(tmp_path, text, words):
    with pytest.raises(DreamvidError, match=words):
        load_schedule(write(tmp_path, "s.toml", text))


def test_bad_json_names_the_line(tmp_path):
    text = '{"keyframe": [\n  {"time": 0, "zoom": 1.5},\n  {"time": 4, "zoom": 0}\n]}\n'
    with pytest.raises(DreamvidError, match="s.json line 3: zoom must be positive"):
        load_schedule(write(tmp_path, "s.json", text))
    with pytest.raises(DreamvidError, match="s.json line 2"):
        load_schedule(write(tmp_path, "s.json", '{"keyframe": [\n  {"time": 0,, }\n]}'))


def test_missing_schedule_file(tmp_path):
    with pytest.raises(DreamvidError, match="cannot read schedule"):
        load_schedule(tmp_path / "none.toml")


FORMULAS = """\
[[keyframe]]
time = 0
zoom = "1.2 + 0.1*sin(2*pi*t/8)"
pan = ["0.01*f", 0.5]
layers = { block3_conv3 = "1 - tri(t/6)", block4_conv3 = "tri(t/6)" }
ease = "smooth"

[[keyframe]]
time = 10
zoom = 2.0
step_size = "1 + 2"
ease = "step"

[[keyframe]]
time = 20
zoom = 3.0
"""


def test_formulas_are_evaluated_at_the_time_asked(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", FORMULAS))
    assert schedule.has_formulas
    assert schedule.value("zoom", 0.0, 9) == pytest.approx(1.2)
    assert schedule.value("zoom", -2.0, 9) == pytest.approx(1.1)  # held, but still a formula of t
    assert schedule.value("pan", 0.0, None, frame=30) == pytest.approx((0.3, 0.5))
    assert schedule.value("layers", 3.0, None) == pytest.approx({"block3_conv3": 0.0, "block4_conv3": 1.0})
    assert schedule.value("step_size", 0.0, 5.0) == 3.0  # a formula without t or f is worked out once
    assert schedule.keyframes[1].values["step_size"] == 3.0


def test_a_formula_between_keyframes_mixes_like_a_number(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", FORMULAS.replace('ease = "smooth"', 'ease = "linear"')))
    seconds = 4.0
    start = 1.2 + 0.1 * math.sin(2 * math.pi * seconds / 8)
    assert schedule.value("zoom", seconds, 9) == pytest.approx(start + (2.0 - start) * 0.4)


def test_easing_smooth_and_step(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", FORMULAS))
    start = 1.2 + 0.1 * math.sin(2 * math.pi * 2.5 / 8)
    smooth_share = 0.25 * 0.25 * (3 - 2 * 0.25)
    assert schedule.value("zoom", 2.5, 9) == pytest.approx(start + (2.0 - start) * smooth_share)
    assert schedule.value("zoom", 15.0, 9) == 2.0  # step: held until the next keyframe
    assert schedule.value("zoom", 19.99, 9) == 2.0
    assert schedule.value("zoom", 20.0, 9) == 3.0
    assert [keyframe.ease for keyframe in schedule.keyframes] == ["smooth", "step", "linear"]


def test_plain_schedules_give_the_same_numbers_as_before(tmp_path):
    """Linear mixing of plain numbers is the formula it always was, bit for bit."""
    schedule = load_schedule(write(tmp_path, "s.toml", TOML))
    for seconds in (0.0, 0.37, 1.0, 3.3333, 7.1, 9.99):
        share = (seconds - 0.0) / (10.0 - 0.0)
        assert schedule.value("zoom", seconds, 9) == 1.2 + (2.2 - 1.2) * share
    assert schedule.keyframes == (
        Keyframe(0.0, {"zoom": 1.2, "pan": (0.0, 0.1), "layers": {"block3_conv3": 1.0}}),
        Keyframe(10.0, {"zoom": 2.2, "rotate": 10.0, "layers": {"block5_conv1": 2.0}}),
    )
    assert not schedule.has_formulas


def test_a_formula_needs_the_frame_number_only_when_it_uses_f(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", FORMULAS))
    with pytest.raises(DreamvidError, match=r"s.toml line 4 \(keyframe 1 `pan x`\): .*no frame number was given"):
        schedule.value("pan", 1.0, None)


def test_check_finds_a_formula_that_fails_during_the_render(tmp_path):
    text = TOML.replace("zoom = 2.2", 'zoom = "1 + 1 / (t - 12)**2"')
    schedule = load_schedule(write(tmp_path, "s.toml", text))
    schedule.check(frames=12 * 24, fps=24)  # up to 11.96 s
    with pytest.raises(DreamvidError, match=r"s.toml line 9 \(keyframe 2 `zoom`\): expression '1 \+ 1 / \(t - 12\)\*\*2' divides by zero at t=12 s, f=288"):
        schedule.check(frames=13 * 24, fps=24)


def test_a_formula_zoom_that_turns_negative_names_the_time(tmp_path):
    text = TOML.replace("zoom = 2.2", 'zoom = "2 - t/5"')
    schedule = load_schedule(write(tmp_path, "s.toml", text))
    assert schedule.value("zoom", 5.0, 9) == pytest.approx(1.2 + ((2 - 5 / 5) - 1.2) * 0.5)
    with pytest.raises(DreamvidError, match=r"s.toml: zoom is -0.2 at t=11 s; it must be positive"):
        schedule.value("zoom", 11.0, 9)


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("zoom = 2.2", 'zoom = "1 + sin(2*pi*t"', r"line 9 \(keyframe 2 `zoom`\): cannot read expression '1 \+ sin\(2\*pi\*t' at column 15: expected '\)'"),
        ("pan = [0.0, 0.1]", 'pan = [0.0, "t +"]', r"line 4 \(keyframe 1 `pan y`\): cannot read expression 't \+' at column 4"),
        ("block5_conv1 = 2.0", 'block5_conv1 = "w"', r"line 11 \(keyframe 2 `layers.block5_conv1`\): .*unknown name 'w'"),
        ("block5_conv1 = 2.0", 'block5_conv1 = "1/0"', r"line 11 \(keyframe 2 `layers.block5_conv1`\): expression '1/0' divides by zero"),
        ("zoom = 2.2", 'zoom = "1 - 2"', "line 9: zoom must be positive, got -1.0"),
        ("zoom = 2.2", "zoom = nan", "line 9: zoom must be a finite number, got nan"),
        ("rotate = 10", "rotate = -inf", "line 10: rotate must be a finite number, got -inf"),
        ("pan = [0.0, 0.1]", "pan = [0.0, inf]", "line 4: pan y must be a finite number, got inf"),
        ("pan = [0.0, 0.1]", "pan = [true, 0.1]", "line 4: pan x must be a number or a formula"),
        ("block5_conv1 = 2.0", "block5_conv1 = nan", "line 11: the weight of block5_conv1 must be a finite number"),
        ("time = 10", "time = inf", "line 8: time must be a finite number of seconds"),
        ("rotate = 10", 'ease = "cubic"', "line 10: ease must be one of linear, smooth, step, got 'cubic'"),
        ("layers = { block5_conv1 = 2.0 }", 'layers = { "block5_conv1=2" = 1.0 }', "line 11: layer 'block5_conv1=2' has a weight in its name; give the weight as its value"),
        ("layers = { block5_conv1 = 2.0 }", 'layers = { "block5 conv1" = 1.0 }', "line 11: cannot read layer 'block5 conv1'"),
    ],
)
def test_bad_formulas_and_values_name_file_key_and_position(tmp_path, old, new, words):
    with pytest.raises(DreamvidError, match="s.toml " + words):
        load_schedule(write(tmp_path, "s.toml", TOML.replace(old, new)))


def test_json_formulas_and_non_finite_numbers(tmp_path):
    text = '{"keyframe": [\n  {"time": 0, "zoom": "1.5 + 0.1*t"},\n  {"time": 4, "zoom": NaN}\n]}\n'
    with pytest.raises(DreamvidError, match="s.json line 3: zoom must be a finite number, got nan"):
        load_schedule(write(tmp_path, "s.json", text))
    schedule = load_schedule(write(tmp_path, "s.json", text.replace("NaN", "0.5")))
    assert schedule.value("zoom", 1.0, 1.0) == pytest.approx(1.6 + (0.5 - 1.6) * 0.25)


def test_manifest_is_plain_json_with_formula_text(tmp_path):
    schedule = load_schedule(write(tmp_path, "s.toml", FORMULAS))
    manifest = schedule.manifest()
    assert json.loads(json.dumps(manifest)) == manifest
    assert manifest["keyframe"][0]["zoom"] == "1.2 + 0.1*sin(2*pi*t/8)"
    assert manifest["keyframe"][0]["pan"] == ["0.01*f", 0.5]
    assert manifest["keyframe"][1] == {"time": 10.0, "ease": "step", "zoom": 2.0, "step_size": 3.0}
    json.dumps(dataclasses.asdict(schedule))  # what zoom.py stores today still serialises


def test_sample_trip_schedule_loads_and_checks():
    schedule = load_schedule(Path(__file__).resolve().parents[2] / "samples" / "trip.toml")
    assert schedule.has_formulas
    assert {keyframe.ease for keyframe in schedule.keyframes} == {"smooth", "linear", "step"}
    names = ("block3_conv3", "block4_conv3", "block5_conv1")
    assert set(names) <= set(schedule.layer_names)
    schedule.check(frames=60 * 24, fps=24)
    cycle = layer_cycle_schedule(names, seconds=6)  # from 36 s the sample cycles as --layer-cycle does
    for seconds in (36.5, 40.0, 45.0, 51.0, 57.0, 59.9):
        assert schedule.value("layers", seconds, None) == pytest.approx(cycle.value("layers", seconds, None))


def test_layer_cycle_hands_the_objective_from_layer_to_layer():
    names = ("block3_conv3", "block4_conv3", "block5_conv1")
    schedule = layer_cycle_schedule(names, seconds=6)
    assert schedule.layer_names == names
    middles = {name: schedule.value("layers", 3.0 + 6 * index, None) for index, name in enumerate(names)}
    for name, weights in middles.items():
        assert weights == pytest.approx({other: float(other == name) for other in names})
    assert schedule.value("layers", 18.0 + 3.0, None) == pytest.approx(middles["block3_conv3"])  # it repeats
    assert schedule.value("layers", 6.0, None) == pytest.approx({"block3_conv3": 0.5, "block4_conv3": 0.5, "block5_conv1": 0.0})
    for seconds in [0.0, 1.3, 4.7, 5.9, 8.2, 11.5, 17.9, 40.1]:
        weights = schedule.value("layers", seconds, None)
        assert sum(weights.values()) == pytest.approx(1.0)
        assert min(weights.values()) >= 0.0
    json.dumps(schedule.manifest())


@pytest.mark.parametrize(
    "names, seconds, fade, words",
    [
        (["block3_conv3"], 6, 0.5, "at least two layers"),
        (["block3_conv3", "block3_conv3"], 6, 0.5, "names a layer twice"),
        (["block3_conv3", "block4_conv3"], 0, 0.5, "must be positive"),
        (["block3_conv3", "block4_conv3"], 6, 0, "fade"),
        (["block3_conv3", "no good"], 6, 0.5, "cannot read layer"),
    ],
)
def test_bad_layer_cycle(names, seconds, fade, words):
    with pytest.raises(DreamvidError, match=words):
        layer_cycle_schedule(names, seconds, fade)
