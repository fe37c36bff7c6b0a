import pytest

from dreamvid.errors import DreamvidError
from dreamvid.schedule import load_schedule

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
        (TOML.replace("zoom = 1.2", "zoom = 'fast'"), "s.toml line 3: zoom must be a number"),
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
