import pytest

from dreamvid.errors import DreamvidError
from dreamvid.settings import CoherenceSettings, DreamSettings, LayerTerm, ZoomSettings


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("block5_conv3", LayerTerm("block5_conv3", 1.0, None)),
        ("block5_conv3=0.5", LayerTerm("block5_conv3", 0.5, None)),
        ("block5_conv3:42", LayerTerm("block5_conv3", 1.0, 42)),
        ("mixed4:3=2", LayerTerm("mixed4", 2.0, 3)),
        ("conv4_block6_out=1e-1", LayerTerm("conv4_block6_out", 0.1, None)),
    ],
)
def test_layer_spec_parses(spec, expected):
    assert LayerTerm.parse(spec) == expected


@pytest.mark.parametrize("spec", ["", "=1", "block5_conv3:x", "block5 conv3", "a:-1"])
def test_bad_layer_spec_is_refused(spec):
    with pytest.raises(DreamvidError):
        LayerTerm.parse(spec)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"octaves": 0}, "octaves"),
        ({"steps": -1}, "steps"),
        ({"step_size": 0}, "step size"),
        ({"octave_scale": 1.0}, "octave scale"),
        ({"tile_size": 32}, "tile size"),
        ({"loss": "l3"}, "loss"),
        ({"max_side": 0}, "max side"),
        ({"tv_weight": -1}, "tv weight"),
    ],
)
def test_settings_refuse_bad_values(changes, words):
    with pytest.raises(DreamvidError, match=words):
        DreamSettings(**changes)


def test_settings_are_frozen():
    settings = DreamSettings()
    with pytest.raises(AttributeError):
        settings.steps = 3


def test_registries_named_in_settings_match_their_implementations():
    from dreamvid.dream.objective import LOSS_FUNCTIONS
    from dreamvid.settings import FLOW_PRESETS, LOSSES
    from dreamvid.video.flow import PRESETS

    assert set(LOSSES) == set(LOSS_FUNCTIONS)
    assert set(FLOW_PRESETS) == set(PRESETS)


def test_unknown_flow_preset_is_refused():
    from dreamvid.settings import CoherenceSettings

    with pytest.raises(DreamvidError, match="unknown flow preset 'slow'"):
        CoherenceSettings(flow_preset="slow")
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "settings_class, changes, words",
    [
        (DreamSettings, {"step_size": INF}, "step size must be a finite number, got inf"),
        (DreamSettings, {"octave_scale": INF}, "octave scale must be a finite number"),
        (DreamSettings, {"tv_weight": NAN}, "tv weight must be a finite number, got nan"),
        (DreamSettings, {"max_loss": INF}, "max loss"),
        (DreamSettings, {"layers": (LayerTerm("block5_conv3", INF),)}, "layers must be a finite number"),
        (DreamSettings, {"seed": -1}, "seed must be 0 or more"),
        (CoherenceSettings, {"blend": NAN}, "blend must be a finite number"),
        (CoherenceSettings, {"flow_tolerance": INF}, "flow tolerance"),
        (CoherenceSettings, {"step_size_next": NAN}, "step size next"),
        (CoherenceSettings, {"regrowth": INF}, "regrowth"),
        (ZoomSettings, {"zoom": INF}, "zoom must be a finite number"),
        (ZoomSettings, {"fps": INF}, "fps must be a finite number"),
        (ZoomSettings, {"rotate": NAN}, "rotate"),
        (ZoomSettings, {"pan": (0.0, INF)}, "pan must be a finite number"),
        (ZoomSettings, {"center": (NAN, 0.5)}, "center"),
    ],
)
def test_non_finite_values_are_refused_in_one_line(settings_class, changes, words):
    with pytest.raises(DreamvidError, match=words) as raised:
        settings_class(**changes)
    assert "\n" not in str(raised.value)


def test_huge_layer_weight_parses_to_inf_and_is_refused():
    term = LayerTerm.parse("block5_conv3=1e999")
    with pytest.raises(DreamvidError, match="finite"):
        DreamSettings(layers=(term,))


def test_finite_values_still_pass():
    DreamSettings(seed=0, step_size=1e-3, tv_weight=0.0, max_loss=5.0)
    ZoomSettings(zoom=0.8, rotate=-3.0, pan=(1.5, -2.0), fps=12.5)
    CoherenceSettings(blend=0.0, step_size_next=None)
