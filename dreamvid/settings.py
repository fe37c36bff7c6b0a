"""Typed settings shared by the library, the CLI and the tests."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

from dreamvid.errors import DreamvidError

LOSSES = ("l2", "mean")
# The longest side each command shrinks its input to by default (0 or None keeps the size).
IMAGE_MAX_SIDE = 512
VIDEO_MAX_SIDE = 640
ZOOM_MAX_SIDE = 512
FLOW_PRESETS = ("ultrafast", "fast", "medium")  # OpenCV DIS presets (flow.py)

_LAYER_SPEC = re.compile(r"^(?P<layer>[A-Za-z_][\w\-/.]*?)(?::(?P<channel>-?[\d_]+))?(?:=(?P<weight>[-+]?[\d._]+(?:[eE][-+]?[\d_]+)?))?$")


@dataclass(frozen=True)
class LayerTerm:
    """One term of the objective: a layer (or one channel of it) and its weight."""

    layer: str
    weight: float = 1.0
    channel: int | None = None

    @classmethod
    def parse(cls, spec: str) -> "LayerTerm":
        """Parse `name`, `name=0.5`, `name:42` or `name:42=0.5`."""
        match = _LAYER_SPEC.match(spec.strip())
        if not match:
            raise DreamvidError(f"cannot read layer {spec!r}: use NAME, NAME=WEIGHT or NAME:CHANNEL")
        channel = match["channel"]
        if len((channel or "").replace("_", "")) > 18:
            raise DreamvidError(f"channel index is too large in {spec!r}")
        # Digits may be grouped with underscores (`1_000`), as in every numeric option.
        try:
            channel = int(channel) if channel is not None else None
        except ValueError:  # `1__0`
            raise DreamvidError(f"cannot read layer {spec!r}: the channel after : must be a whole number") from None
        try:
            weight = float(match["weight"]) if match["weight"] else 1.0
        except ValueError:  # `1.2.3`, `.` or `1__0`: digits and dots, but not a number
            raise DreamvidError(f"cannot read layer {spec!r}: the weight after = must be a number") from None
        if channel is not None and channel < 0:
            raise DreamvidError(f"channel index must be 0 or more in {spec!r}")
        return cls(layer=match["layer"], weight=weight, channel=channel)


    def __str__(self) -> str:
        channel = f":{self.channel}" if self.channel is not None else ""
        return f"{self.layer}{channel}={self.weight:g}"


MAX_INTEGER = 2**63 - 1  # what numpy, ffmpeg and the JSON of a work folder take as a whole number
MAX_TILE = 65536
MAX_SEED = 2**32 - 1  # what every random generator dreamvid seeds takes
MAX_WEIGHT = 1e6  # a loss or layer weight: past it the float32 losses overflow (an all-black or noise result)


def _check_finite(settings) -> None:
    """Refuse nan and inf in any number of a settings dataclass (pairs and layer weights too), and whole
    numbers too large for a 64-bit integer (or a float), naming the field.

    Comparisons such as `value > 0` let nan through and accept inf, and `math.isfinite` of an integer with
    400 digits raises OverflowError, so this runs before them.
    """
    for member in dataclasses.fields(settings):
        for value in _numbers(getattr(settings, member.name)):
            name = member.name.replace("_", " ")
            if isinstance(value, int):
                if abs(value) > MAX_INTEGER:
                    raise DreamvidError(f"{name} must be at most {MAX_INTEGER} in size, got a number of about "
                                        f"{int(value.bit_length() * math.log10(2)) + 1} digits")
            elif not math.isfinite(value):
                raise DreamvidError(f"{name} must be a finite number, got {value}")


def _at_most(name: str, value: float, limit: float, why: str = "") -> None:
    if value > limit:
        def shown(number: float) -> str:
            return str(number) if isinstance(number, int) else f"{number:g}"

        raise DreamvidError(f"{name} must be at most {shown(limit)}{why}, got {shown(value)}")


def _numbers(value):
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, LayerTerm):
        yield value.weight


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise DreamvidError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class DreamSettings:
    """How one image is dreamed: the objective, the octaves and the ascent.

    `step_size` is in pixel units of the 0..255 range: after the gradient is normalised to unit
    standard deviation, each step moves a typical pixel by about this much.
    """

    model: str = "vgg16"
    layers: tuple[LayerTerm, ...] = ()  # empty: the model's default layers
    loss: str = "l2"
    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10
    step_size: float = 3.0
    tile_size: int = 512
    jitter: int | None = None  # largest random roll in pixels per step; None: a whole tile, 0: none
    max_loss: float | None = None
    tv_weight: float = 0.0
    max_side: int | None = None
    seed: int = 0
    weights: str | None = None  # a local weights file for the model

    def __post_init__(self) -> None:
        _check_finite(self)
        if self.seed < 0:
            raise DreamvidError(f"seed must be 0 or more, got {self.seed}")
        _positive("octaves", self.octaves)
        _positive("steps", self.steps)
        _positive("step size", self.step_size)
        _at_most("step size", self.step_size, 255, " (pixel units of 0..255)")
        _positive("tile size", self.tile_size)
        _at_most("tv weight", self.tv_weight, MAX_WEIGHT)
        for term in self.layers:
            _at_most(f"the weight of layer {term.layer}", abs(term.weight), MAX_WEIGHT, " in size")
        if self.layers and all(term.weight == 0 for term in self.layers):
            raise DreamvidError("every layer weight is 0, so there is nothing to dream; give at least one a weight")
        if not self.octave_scale > 1.0:
            raise DreamvidError(f"octave scale must be above 1, got {self.octave_scale}")
        _at_most("octave scale", self.octave_scale, 16)
        if self.loss not in LOSSES:
            raise DreamvidError(f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        if self.max_side is not None:
            _positive("max side", self.max_side)
        if self.tv_weight < 0:
            raise DreamvidError(f"tv weight must be 0 or more, got {self.tv_weight}")
        if self.max_loss is not None:
            _positive("max loss", self.max_loss)
        if self.jitter is not None and self.jitter < 0:
            raise DreamvidError(f"jitter must be 0 or more, got {self.jitter}")
        if self.tile_size < 64:
            raise DreamvidError(f"tile size must be at least 64, got {self.tile_size}")
        # The ascent step takes the tile and jitter as 32-bit integers; no picture is this big anyway.
        _at_most("tile size", self.tile_size, MAX_TILE, " px")
        if self.jitter is not None:
            _at_most("jitter", self.jitter, MAX_TILE, " px")
        _at_most("seed", self.seed, MAX_SEED)

    def input_paths(self) -> tuple[str, ...]:
        """The files these settings read (a local weights file): no output may replace them."""
        return (self.weights,) if self.weights else ()


@dataclass(frozen=True)
class WarmStart:
    """The short treatment of a frame that already carries the previous frame's result.

    `steps` ascent steps on each of the `octaves` finest octaves; `step_size` and `jitter` of None
    keep the dream's own. With 0 steps the carried frame is kept as it is.
    """

    steps: int = 1
    octaves: int = 1
    step_size: float | None = None
    jitter: int | None = None

    def applied_to(self, settings: DreamSettings) -> DreamSettings:
        """The dream settings of a warm start (at least one step, so the settings stay valid)."""
        return dataclasses.replace(
            settings,
            octaves=min(self.octaves, settings.octaves),
            steps=max(self.steps, 1),
            step_size=self.step_size or settings.step_size,
            jitter=settings.jitter if self.jitter is None else self.jitter,
        )


@dataclass(frozen=True)
class RedreamSettings:
    """Which regions count as short of dream, and how they are cropped and blended back.

    A pixel falls short when its carried local strength (|detail| over channels, box-blurred over
    `window` px) is under `threshold` times the reference strength (deficit 0 at the threshold, 1
    with no detail) where the picture moved more than `min_motion` px (still content keeps the dream
    it had, weak or not, so it is never re-dreamed over and over), or when its flow reliability is under `reliability` (low-confidence flow is
    re-dreamed, not kept plain). Regions whose deficit exceeds `trigger` and that cover at least
    `min_area` pixels are re-dreamed. Crops get `margin` px of context, at least `min_side` px a side
    (so the octave pyramid has octaves to climb); crops closer than `merge_gap` px merge when the
    union wastes little. At most `max_share` of the frame's area is dreamed per frame, the crops
    with the largest deficit first. The blend mask is the short regions (`blend` "full"; "deficit":
    the deficit itself), feathered by a Gaussian of `feather` px. With `local_reference` the
    reference is a map of what a fresh dream gave each place, carried along the flow, and the
    detail is held between floor and cap times it place by place. Crops are dreamed with
    `crop_steps` steps per octave at `crop_scale` of their size (the frame's warm step sharpens the
    upsampled change; a context-matched crop at `context_crop_scale`, since a half-size one leaves pale
    blotches on the ground a walker uncovers), and with `match_strength` each crop's change is scaled (within
    [1/max_gain, max_gain]): with `calibrate` by the gain a light dream lacks against the full one,
    measured on the first frame of the clip (and after each scene cut), so each place keeps the strength
    the network gives it (a subject it likes more than the wall behind); without, so that where it
    lands it is as strong as the clip's mean fresh dream. A lighter dream is weaker in proportion to its
    steps, and would set a weak reference for the subject it re-dreams. With `match_context` a crop
    whose still, reliable context is a large enough share of it is dreamed from its input alone; the
    ground its subject uncovered is matched to the detail that context carries, the subject to the
    stronger of that and the clip's mean (see redream_deficit).
    """

    threshold: float = 1.0
    trigger: float = 0.25
    min_motion: float = 0.5
    reliability: float = 0.5
    window: int = 9
    min_area: int = 48
    margin: int = 16
    min_side: int = 64
    merge_gap: int = 16
    feather: float = 3.0
    max_share: float = 0.4

    crop_steps: int | None = 5  # ascent steps per octave for a crop's dream (None: the full dream's own)
    crop_scale: float = 0.5  # crops are dreamed at this share of their size, the change upsampled
    context_crop_scale: float = 1.0  # ... but a context-matched crop (a still camera's subject) at this share: the
    # upsampled change of a half-size crop leaves pale blotches on the ground a walker uncovers (issue 21 round nine)
    blend: str = "full"  # "full": short regions take the crop's dream whole; "deficit": in proportion
    match_strength: bool = True  # scale each crop's change to a full dream's strength ...
    max_gain: float = 3.0  # ... by at most this factor either way
    calibrate: bool = False  # ... by the first frame's full / light dream strength (else: to the clip's mean;
    # calibrated cost coverage and 3x the speed on dark_bunny.mp4, issue 21 round two)
    local_reference: bool = True  # hold each place to what a fresh dream gave it, not the frame's mean
    match_context: bool = True  # with match_strength, a crop whose context is still and reliable holds the
    # ground it uncovers to the detail carried there, its moving subject to the stronger of that and the clip's
    # mean (see redream_deficit; issue 21 round six: vtest.avi's ghost 1.61 -> 1.23)

    def for_size(self, height: int, width: int, dream_scale: float = 1.0) -> "RedreamSettings":
        """The blending sizes (tuned at 320 px) scaled up for a larger frame (kept for a smaller one), and
        the crop scale left to the dream's own where that is already as small (`crop_scale` is the
        size crops are dreamed at against the frame's, and a scaled dream shrinks them itself). A crop's
        margin and minimum side stay in the network's own pixels, whatever the frame's size (so they grow
        under a scaled dream, which shrinks the crop before the network sees it): what its layers need
        to see does not grow with the frame, and scaled up they made a 20-px walker's crop of a 480-px
        frame 96 px a side (issue 21: people.mp4's re-dreamed area 0.21 of the frame)."""
        factor = max(1.0, max(height, width) / 320.0)
        return dataclasses.replace(
            self, crop_scale=min(1.0, self.crop_scale / dream_scale),
            context_crop_scale=min(1.0, self.context_crop_scale / dream_scale),
            margin=round(self.margin / dream_scale), min_side=max(1, round(self.min_side / dream_scale)),
            merge_gap=round(self.merge_gap * factor), min_area=max(1, round(self.min_area * factor**2)),
            window=max(1, round(self.window * factor) | 1), feather=self.feather * factor)

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 2:
            raise DreamvidError(f"re-dream threshold must be between 0 and 2, got {self.threshold}")
        if not 0 <= self.trigger < 1:
            raise DreamvidError(f"re-dream trigger must be at least 0 and under 1, got {self.trigger}")
        if not 0 <= self.reliability <= 1:
            raise DreamvidError(f"re-dream reliability must be between 0 and 1, got {self.reliability}")
        if self.crop_steps is not None and self.crop_steps < 1:
            raise DreamvidError(f"re-dream crop steps must be positive, got {self.crop_steps}")
        if not 0 < self.crop_scale <= 1 or not 0 < self.context_crop_scale <= 1:
            raise DreamvidError(f"re-dream crop scales must be above 0 and at most 1, got {self.crop_scale} "
                                f"and {self.context_crop_scale}")
        if self.window < 1 or self.min_area < 1 or self.min_side < 1:
            raise DreamvidError("re-dream window, minimum area and minimum side must be positive")
        if self.margin < 0 or self.merge_gap < 0 or self.feather < 0 or self.min_motion < 0:
            raise DreamvidError("re-dream margin, merge gap, feather and minimum motion must be 0 or more")
        if not self.max_gain >= 1:
            raise DreamvidError(f"re-dream gain limit must be 1 or more, got {self.max_gain}")
        if self.blend not in ("full", "deficit"):
            raise DreamvidError(f"re-dream blend must be full or deficit, got {self.blend!r}")
        if not 0 < self.max_share <= 1:
            raise DreamvidError(f"re-dream area share must be above 0 and at most 1, got {self.max_share}")


@dataclass(frozen=True)
class CoherenceSettings:
    """How frames after the first are dreamed.

    The first frame (and the first after a scene cut) gets the full octave dream. Each later frame
    starts from its input plus the previous frame's dream detail, warped along the optical flow where
    the forward-backward check passes (with `rescue_tolerance`, also where it fails on flat input that the
    flow still carries within that many grey levels; elsewhere `occlusion_fill` of the previous detail, moved with
    the camera's fitted motion with `camera_fill`, where the input there changed by under
    `fill_tolerance` grey levels, none past twice it; 0 starts newly revealed areas afresh), times `blend`; then
    `steps_next` ascent steps of `step_size_next`
    on each of the `octaves_next` finest octaves, of whose change `still_refine` is kept where the picture
    stands still (a still place's dream needs no growing; the step only pumps against the hold), and which
    is skipped when under `refine_share` of the frame would keep it (its cost, about a third of a frame's, buys
    a change of a fraction of a grey level there). The detail's mean size is held between
    `strength_floor` and `strength_cap` times the first frame's (regrowing by at most `regrowth` a
    frame) when `hold_strength`, so a long clip neither runs away nor fades. With `carry_result` the
    trusted pixels start from the previous result itself, warped (Ruder et al.'s warm start), not from
    the current input plus the warped detail, so the input's own frame-to-frame noise does not pass
    into the result. With `dream_scale` below 1 the dreaming
    happens on a shrunk copy and only the change is upsampled; the first frame then gets
    `finish_steps` full-size steps to stay crisp.
    """

    blend: float = 1.0
    steps_next: int = 1
    octaves_next: int = 1
    step_size_next: float | None = 1.0  # None: the dream's step size
    still_refine: float = 0.0  # the share of that step's change kept where the picture stands still
    refine_share: float = 0.25  # the step is skipped when the share of the frame that keeps it is under this
    jitter_next: int | None = None  # None: the dream's jitter
    flow_preset: str = "medium"
    flow_tolerance: float = 2.0  # forward-backward check, squared pixels at 640 px (scaled with size)
    warp_tolerance: float | None = None  # also trusted only where the warped previous input is within this
    # of the current one, not past twice it (grey levels, blurred; None: the forward-backward check alone)
    rescue_tolerance: float | None = None  # where the check fails, trusted all the same where the input is flat and
    # the warped previous input is within this of the current one, not past twice it (grey levels, blurred; None:
    # never; off: on bikes.mp4's sliding roof it halved the flicker figure by drawing the dream out into streaks)
    occlusion_fill: float = 0.7  # unreliable pixels keep this share of the previous detail ...
    sharp_warp: bool = True  # carry the detail with Lanczos, not bilinear, interpolation (keeps its strength)
    camera_fill: bool = True  # ... moved with the camera's fitted motion (else: unmoved) ...
    fill_tolerance: float | None = 12.0  # ... where the input there changed by under this, none past twice it
    # (grey levels, blurred; None: anywhere)
    strength_cap: float = 1.0  # 1.25 let the still background creep up a quarter over the per-frame dream's
    # and divide every moving figure (issue 21 round three: vtest.avi moving 0.67 -> 0.71, strength 1.16 -> 1.04)
    strength_floor: float = 1.0  # below this multiple of the first frame's strength, detail regrows
    regrowth: float = 1.06  # at most this gain per frame while below the floor
    dream_scale: float = 1.0  # dream at this fraction of the frame size, upsample the change
    finish_steps: int = 2  # full-size steps after a scaled first-frame dream
    coherent: bool = True
    redream: RedreamSettings | None = field(default_factory=RedreamSettings)  # None: never re-dream regions
    hold_strength: bool = True  # hold the carried detail between strength_floor and strength_cap
    carry_result: bool = False  # carry the previous result itself, not its detail over the current input

    def __post_init__(self) -> None:
        _check_finite(self)
        if not 0.0 <= self.blend <= 1.0:
            raise DreamvidError(f"blend must be between 0 and 1, got {self.blend}")
        if self.steps_next < 0:
            raise DreamvidError(f"steps for later frames must be 0 or more, got {self.steps_next}")
        if self.step_size_next is not None and not self.step_size_next > 0:
            raise DreamvidError(f"step size for later frames must be positive, got {self.step_size_next}")
        if self.octaves_next < 1:
            raise DreamvidError(f"octaves for later frames must be positive, got {self.octaves_next}")
        if not self.strength_cap > 0:
            raise DreamvidError(f"strength cap must be positive, got {self.strength_cap}")
        if not 0 <= self.strength_floor <= self.strength_cap:
            raise DreamvidError(f"strength floor must be between 0 and the cap, got {self.strength_floor}")
        if not self.regrowth >= 1:
            raise DreamvidError(f"regrowth must be 1 or more, got {self.regrowth}")
        if not 0 <= self.occlusion_fill <= 1:
            raise DreamvidError(f"occlusion fill must be between 0 and 1, got {self.occlusion_fill}")
        if self.warp_tolerance is not None and not self.warp_tolerance > 0:
            raise DreamvidError(f"warp tolerance must be positive, got {self.warp_tolerance}")
        if not 0 <= self.still_refine <= 1:
            raise DreamvidError(f"still refine must be between 0 and 1, got {self.still_refine}")
        if not 0 <= self.refine_share <= 1:
            raise DreamvidError(f"refine share must be between 0 and 1, got {self.refine_share}")
        if self.rescue_tolerance is not None and not self.rescue_tolerance > 0:
            raise DreamvidError(f"rescue tolerance must be positive, got {self.rescue_tolerance}")
        if self.fill_tolerance is not None and not self.fill_tolerance > 0:
            raise DreamvidError(f"fill tolerance must be positive, got {self.fill_tolerance}")
        if not 0 < self.dream_scale <= 1:
            raise DreamvidError(f"dream scale must be above 0 and at most 1, got {self.dream_scale}")
        if self.finish_steps < 0:
            raise DreamvidError(f"finish steps must be 0 or more, got {self.finish_steps}")
        if self.flow_preset not in FLOW_PRESETS:
            raise DreamvidError(f"unknown flow preset {self.flow_preset!r}: choose one of {', '.join(FLOW_PRESETS)}")
        if not self.flow_tolerance > 0:
            raise DreamvidError(f"flow tolerance must be positive, got {self.flow_tolerance}")

    @property
    def warm(self) -> WarmStart:
        return WarmStart(self.steps_next, self.octaves_next, self.step_size_next, self.jitter_next)

    def for_style(self) -> "CoherenceSettings":
        """These settings as style transfer wants them: no strength hold (its own loss keeps the
        style's strength, and rescaling the carried detail moves every pixel) and no re-dreamed crops
        (a restyled crop differs from its surroundings every frame). The previous styled frame itself
        is carried, as Ruder et al. do (the input's noise stays out of a steady picture), and where the
        flow fails the previous styled detail stays, moved with the camera, where the input there still
        shows the same thing, for the optimisation to restyle (the flow fails on flat, still walls too,
        where it is right; the background a walker uncovers starts from its own input, not the walker's
        imprint). Pixels whose warped previous input differs from the current one by over 12 grey levels
        are not trusted (`warp_tolerance`): the flow bleeds from a walker onto the road it leaves, and
        carried the walker's styled pixels there (people.mp4's ghost figure 2.19 -> 1.66, issue 21). Bilinear warps: sharper ones flickered more in an
        earlier round's tuning (4.4 on cup.mp4)."""
        return dataclasses.replace(self, hold_strength=False, redream=None, carry_result=True, occlusion_fill=1.0,
                                   sharp_warp=False, warp_tolerance=12.0, rescue_tolerance=None)


@dataclass(frozen=True)
class AudioSettings:
    """How a soundtrack becomes the audio variables of schedule formulas (dreamvid.audio), as a
    schedule file's `[audio]` table sets them.

    `loud`, `onset`, `bass`, `mid` and `treble` follow their raw curves with an envelope follower: toward
    a higher value with the time constant `attack` (seconds), toward a lower one with `release`, so a
    hit shows at once and fades over a few frames instead of flickering. `beat` is 1 on the frame
    nearest each tracked beat and halves every `beat_decay` seconds after it (0: 1 on the beat frame
    only). `bass` is the energy below `bass_hz`, `mid` between it and `treble_hz`, `treble` above.
    The track is analysed at `rate` samples per second, mono.
    """

    attack: float = 0.01
    release: float = 0.15
    beat_decay: float = 0.15
    bass_hz: float = 250.0
    treble_hz: float = 4000.0
    rate: int = 22050

    def __post_init__(self) -> None:
        _check_finite(self)
        for name in ("attack", "release", "beat_decay"):
            if getattr(self, name) < 0:
                raise DreamvidError(f"audio {name.replace('_', ' ')} must be 0 or more seconds, got {getattr(self, name)}")
        if not 0 < self.bass_hz < self.treble_hz:
            raise DreamvidError(f"audio bands need 0 < bass_hz < treble_hz, got {self.bass_hz:g} and {self.treble_hz:g}")
        if not 8000 <= self.rate <= 96000:
            raise DreamvidError(f"audio rate must be between 8000 and 96000 samples per second, got {self.rate}")
        if self.treble_hz >= self.rate / 2:
            raise DreamvidError(f"audio treble_hz must be below half the rate ({self.rate / 2:g} Hz), got {self.treble_hz:g}")


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass(frozen=True)
class EncodeSettings:
    """How a video output is encoded (not what is dreamed): quality (CRF, lower is better; None: the
    format's default, 18 for H.264 and 32 for VP9) and the x264 preset (None: medium)."""

    crf: int | None = None
    preset: str | None = None

    def __post_init__(self) -> None:
        if self.crf is not None and not 0 <= self.crf <= 63:
            raise DreamvidError(f"crf must be between 0 and 63 (51 for H.264), got {self.crf}")
        if self.preset is not None and self.preset not in X264_PRESETS:
            raise DreamvidError(f"unknown preset {self.preset!r}: choose one of {', '.join(X264_PRESETS)}")


@dataclass(frozen=True)
class VideoSettings:
    """Everything a video render depends on, besides its input and output paths."""

    dream: DreamSettings = field(default_factory=DreamSettings)
    coherence: CoherenceSettings = field(default_factory=CoherenceSettings)
    start: float = 0.0
    end: float | None = None
    frames: int | None = None
    audio: bool = True
    style: "StyleSettings | None" = None  # style transfer instead of (or, with dream layers, beside) the dream
    soundtrack: str | None = None  # a sound file instead of the clip's own: the output's audio and the schedule's
    schedule: str | None = None  # a schedule file (TOML or JSON keyframes) varying the dream over the clip's time

    def __post_init__(self) -> None:
        _check_finite(self)
        if self.soundtrack is not None and not str(self.soundtrack):
            raise DreamvidError("the soundtrack path is empty")
        if self.schedule is not None and not str(self.schedule):
            raise DreamvidError("the schedule path is empty")

    def input_paths(self) -> tuple[str, ...]:
        """The files these settings read besides the clip (weights, style images, a schedule, a soundtrack)."""
        return (self.dream.input_paths() + (self.style.input_paths() if self.style is not None else ())
                + tuple(path for path in (self.schedule, self.soundtrack) if path))


@dataclass(frozen=True)
class ZoomSettings:
    """An infinite-zoom animation: each frame is the previous one moved by the camera, then dreamed.

    Motion is per second, so changing `fps` does not change it: zoom per frame = zoom ** (1 / fps).
    Frames after the first get `steps_next` steps on the finest `octaves_next` octaves (a warm start).
    `colour_hold` pulls each channel's mean and spread a little toward the first frame's every frame,
    so a long render neither washes out nor saturates. With `loop`, the last `loop_frames` frames
    cross-fade into the frames that lead into the first, so the clip repeats without a seam; before
    those lead-in frames `loop_settle` frames are dreamed and not shown, so the loop starts once the
    zoom's detail has settled (a fresh dream sharpens over its first octave of zoom, and the loop
    would end on that softer start).
    """

    frames: int = 100
    fps: float = 25.0
    zoom: float = 1.25
    rotate: float = 0.0
    pan: tuple[float, float] = (0.0, 0.0)
    center: tuple[float, float] = (0.5, 0.5)
    steps_next: int = 3
    step_size_next: float | None = None
    octaves_next: int = 1
    colour_hold: float = 0.1
    loop: bool = False
    loop_frames: int | None = None
    loop_settle: int | None = None
    soundtrack: str | None = None  # a sound file: the output's audio from its start, and the schedule's audio

    MIN_LOOP_FRAMES = 8
    MAX_FRAMES = 1_000_000  # 11 hours at 25 fps; a schedule is checked at every frame before the render
    MAX_FPS = 1000.0
    # A loop starts once the camera has zoomed by this much (the default octave scale): by then the
    # first dream's finest detail has grown an octave and the detail the zoom dreams in has replaced it.
    SETTLE_ZOOM = 1.4

    def __post_init__(self) -> None:
        _check_finite(self)
        if self.frames < 2:
            raise DreamvidError(f"an animation needs at least 2 frames, got {self.frames}")
        _at_most("frames", self.frames, self.MAX_FRAMES)
        _positive("fps", self.fps)
        _at_most("fps", self.fps, self.MAX_FPS)
        if not self.zoom > 0:
            raise DreamvidError(f"zoom must be positive, got {self.zoom}")
        check_zoom_per_frame(self.zoom, self.fps)
        for name, value in (("rotate", self.rotate), ("pan", max(map(abs, self.pan), default=0.0))):
            _at_most(f"{name} per frame", abs(value) / self.fps, 360.0 if name == "rotate" else 1.0,
                     " (degrees)" if name == "rotate" else " (frame widths)")
        if self.steps_next < 0:
            raise DreamvidError(f"steps for later frames must be 0 or more, got {self.steps_next}")
        if self.octaves_next < 1:
            raise DreamvidError(f"octaves for later frames must be positive, got {self.octaves_next}")
        if self.step_size_next is not None:
            _positive("step size for later frames", self.step_size_next)
        if not 0.0 <= self.colour_hold <= 1.0:
            raise DreamvidError(f"colour hold must be between 0 and 1, got {self.colour_hold}")
        for name, pair in (("pan", self.pan), ("center", self.center)):
            if len(pair) != 2:
                raise DreamvidError(f"{name} takes two numbers X,Y")
        if self.soundtrack is not None and not str(self.soundtrack):
            raise DreamvidError("the soundtrack path is empty")
        if self.loop:
            if self.frames < self.MIN_LOOP_FRAMES:
                raise DreamvidError(f"a loop needs at least {self.MIN_LOOP_FRAMES} frames, got {self.frames}")
            if not 1 <= self.fade <= self.frames // 2:
                raise DreamvidError(
                    f"a loop of {self.frames} frames can cross-fade over 1 to {self.frames // 2} frames, "
                    f"not {self.fade}"
                )
            if self.loop_settle is not None and not 0 <= self.loop_settle <= self.frames - self.fade:
                raise DreamvidError(f"a loop of {self.frames} frames can settle over 0 to "
                                    f"{self.frames - self.fade} frames, not {self.loop_settle}")

    def input_paths(self) -> tuple[str, ...]:
        """The files these settings read (a soundtrack)."""
        return (self.soundtrack,) if self.soundtrack else ()

    @property
    def warm(self) -> WarmStart:
        return WarmStart(self.steps_next, self.octaves_next, self.step_size_next)

    @property
    def fade(self) -> int:
        """Frames of the loop's cross-fade (0 without a loop)."""
        if not self.loop:
            return 0
        return self.loop_frames if self.loop_frames is not None else max(2, self.frames // 4)

    @property
    def settle(self) -> int:
        """Frames dreamed before a loop's lead-in and not shown (0 without a loop): `loop_settle`, or by
        default those the camera needs to zoom by SETTLE_ZOOM, less the lead-in; at most the frames
        that are not in the transition (the settling frames take the times just before the lead-in's)."""
        if not self.loop:
            return 0
        if self.loop_settle is not None:
            return self.loop_settle
        most = self.frames - self.fade
        per_second = abs(math.log(self.zoom))
        if per_second < 1e-6:
            return 0
        return max(0, min(most, math.ceil(math.log(self.SETTLE_ZOOM) / per_second * self.fps) - self.fade))

    @property
    def lead(self) -> int:
        """Raw frames before the first shown one: the settling frames and the loop's lead-in."""
        return self.settle + self.fade


MAX_ZOOM_PER_FRAME = 4.0  # a bigger zoom between two frames leaves nothing of the one before


def check_zoom_per_frame(zoom_per_second: float, fps: float) -> float:
    """The zoom between two frames, zoom ** (1 / fps), worked out in logs (no overflow); DreamvidError
    when it passes MAX_ZOOM_PER_FRAME either way (`1.25/s` at `--fps 1e-9` is 1.25 ** 1e9 a frame)."""
    per_frame = math.log(zoom_per_second) / fps
    if abs(per_frame) > math.log(MAX_ZOOM_PER_FRAME):
        raise DreamvidError(f"zoom {zoom_per_second:g}/s at {fps:g} fps is more than {MAX_ZOOM_PER_FRAME:g}x "
                            f"(in or out) from one frame to the next")
    return math.exp(per_frame)


def zoom_per_second(per_frame: float, fps: float) -> float:
    """The zoom per second of a zoom per frame (per_frame ** fps), refusing one past MAX_ZOOM_PER_FRAME
    before the power can overflow."""
    if not (math.isfinite(per_frame) and per_frame > 0):
        raise DreamvidError(f"zoom must be a positive number, got {per_frame:g}")
    if not (math.isfinite(fps) and fps > 0):
        raise DreamvidError(f"fps must be a positive number, got {fps:g}")
    if abs(math.log(per_frame)) > math.log(MAX_ZOOM_PER_FRAME):
        raise DreamvidError(f"zoom must be at most {MAX_ZOOM_PER_FRAME:g}x (in or out) per frame, got {per_frame:g}/frame")
    return math.exp(math.log(per_frame) * min(fps, ZoomSettings.MAX_FPS))


STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")


@dataclass(frozen=True)
class StyleSettings:
    """Neural style transfer (Gatys et al.): how the styled picture is found.

    Each style image is `(path, weight)`; several styles mix by the weighted mean of their Gram
    matrices. The style image is resized so its longer side is `style_scale` times the picture's
    (bigger brush strokes above 1). Losses are each normalised by their target's scale, so the
    weights compare directly: `style_weight` on the Gram matrices of `style_layers`,
    `content_weight` on the features of `content_layer`, `tv_weight` on the squared neighbour
    differences (0..1 pixel units) and `temporal_weight` on the masked squared difference from
    the warped previous styled frame (video only). A still is styled over `scales` sizes, each
    half the next, with `steps` Adam steps of `learning_rate` (0..255 pixel units) on each;
    later video frames start from the warped previous result and get `steps_next` steps at the
    full size only, of `learning_rate_next` where the flow carried the pixel (None: `learning_rate`)
    and of `learning_rate` where it failed (those pixels are styled afresh); with `carry_adam` they
    continue the previous frame's Adam state (its moments and step counts, carried along the flow
    and reset where it fails), so the first steps of a frame do not move every pixel by a full
    learning rate. A higher `temporal_weight` holds a video steadier, and lets less of the brush
    texture regrow where each warp blurs it a little: it trades steadiness against style. `max_side` bounds the
    size the optimisation works at: a bigger picture is styled at that size and its own detail is
    added back after upsampling; above `tile` px it is optimised tile by tile (bounded memory).
    `dream_weight` adds a DeepDream term when dream layers are given (their mean squared
    activation relative to the content picture's, maximised), so `--style` and `--layer` mix:
    at 0.2 both the brush strokes and the dream patterns show; at 0.5 the dream takes over.
    """

    styles: tuple[tuple[str, float], ...] = ()
    model: str = "vgg16"
    style_weight: float = 1.0
    content_weight: float = 0.5
    tv_weight: float = 0.5
    style_scale: float = 1.0
    style_layers: tuple[str, ...] = STYLE_LAYERS
    content_layer: str = "block4_conv2"
    steps: int = 40
    scales: int = 3
    learning_rate: float = 4.0
    learning_rate_next: float | None = None  # for later video frames (not zoom frames); None: learning_rate
    temporal_weight: float = 600.0
    steps_next: int = 8
    max_side: int = 1024
    tile: int = 512  # a picture with a longer side is optimised tile by tile (0: never)
    carry_adam: bool = True  # a later video frame continues Adam's state of the previous one, carried along the flow
    dream_weight: float = 0.2
    weights: str | None = None  # a local weights file for the model

    MIN_SIDE = 32

    MAX_STYLE_SCALE = 4.0  # the style image at most 4 times the picture's size (memory grows with its square)

    def __post_init__(self) -> None:
        _check_finite(self)
        if not self.styles:
            raise DreamvidError("style transfer needs at least one style image")
        for entry in self.styles:
            if len(entry) != 2:
                raise DreamvidError(f"a style is a (path, weight) pair, got {entry!r}")
            path, weight = entry
            if not str(path):
                raise DreamvidError("a style image path is empty")
            if not weight > 0:
                raise DreamvidError(f"style weight for {path} must be positive, got {weight}")
            _at_most(f"style weight for {path}", weight, MAX_WEIGHT)
        for name, value in (
            ("style weight", self.style_weight),
            ("content weight", self.content_weight),
            ("tv weight", self.tv_weight),
            ("temporal weight", self.temporal_weight),
            ("dream weight", self.dream_weight),
        ):
            if not value >= 0:
                raise DreamvidError(f"{name} must be 0 or more, got {value}")
            _at_most(name, value, MAX_WEIGHT)
        if not self.style_weight > 0:
            raise DreamvidError(f"style weight must be positive, got {self.style_weight}")
        _positive("style scale", self.style_scale)
        _at_most("style scale", self.style_scale, self.MAX_STYLE_SCALE, " (times the picture's size)")
        _positive("steps", self.steps)
        _positive("scales", self.scales)
        _positive("learning rate", self.learning_rate)
        if self.learning_rate_next is not None:
            _positive("learning rate for later frames", self.learning_rate_next)
        if self.steps_next < 0:
            raise DreamvidError(f"steps for later frames must be 0 or more, got {self.steps_next}")
        if self.tile != 0 and self.tile < 4 * self.MIN_SIDE:
            raise DreamvidError(f"style tile must be 0 (never tile) or at least {4 * self.MIN_SIDE}, got {self.tile}")
        if self.max_side < 4 * self.MIN_SIDE:
            raise DreamvidError(f"max side must be at least {4 * self.MIN_SIDE}, got {self.max_side}")
        if not self.style_layers:
            raise DreamvidError("style transfer needs at least one style layer")
        if not self.content_layer:
            raise DreamvidError("style transfer needs a content layer")

    def input_paths(self) -> tuple[str, ...]:
        """The files these settings read (the style images, a local weights file)."""
        return tuple(str(path) for path, _ in self.styles) + ((self.weights,) if self.weights else ())

@dataclass(frozen=True)
class ZoomRenderSettings:
    """Everything a zoom render depends on, besides its input and output paths: the dream (or style),
    the camera and timing, and what varies over time: a schedule file (TOML or JSON keyframes) or a
    layer cycle (`layer_cycle` names handed on every `cycle_seconds`), not both."""

    dream: DreamSettings = field(default_factory=DreamSettings)
    zoom: ZoomSettings = field(default_factory=ZoomSettings)
    style: StyleSettings | None = None
    schedule: str | None = None
    layer_cycle: tuple[str, ...] = ()
    cycle_seconds: float = 6.0

    def __post_init__(self) -> None:
        _check_finite(self)
        if self.schedule is not None and self.layer_cycle:
            raise DreamvidError("give --schedule or --layer-cycle, not both (a schedule may cycle layers itself)")
        _positive("cycle seconds", self.cycle_seconds)

    def input_paths(self) -> tuple[str, ...]:
        """The files these settings read besides the picture (weights, style images, the schedule, a
        soundtrack)."""
        return (self.dream.input_paths() + (self.style.input_paths() if self.style is not None else ())
                + ((self.schedule,) if self.schedule else ()) + self.zoom.input_paths())


def parse_pair(name: str, text: str | tuple[float, float]) -> tuple[float, float]:
    """`X,Y` as two numbers (a pair passes through)."""
    if not isinstance(text, str):
        return tuple(float(part) for part in text)  # type: ignore[return-value]
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise DreamvidError(f"{name} takes two numbers X,Y, got {text!r}") from None
    return x, y


def parse_zoom(text: str | float, fps: float) -> float:
    """Zoom per second from `1.3` or `1.3/s` (per second) or `1.02/frame` (per frame, at this fps)."""
    if not isinstance(text, str):
        return float(text)
    number, _, unit = text.partition("/")
    try:
        value = float(number)
    except ValueError:
        raise DreamvidError(f"zoom must be a number, optionally /s or /frame, got {text!r}") from None
    if not value > 0:
        raise DreamvidError(f"zoom must be positive, got {value:g}")
    if unit in ("", "s", "sec", "second"):
        return value
    if unit in ("f", "frame"):
        return zoom_per_second(value, fps)
    raise DreamvidError(f"zoom unit must be /s or /frame, got /{unit}")


def frame_count(frames: int | None, seconds: float | None, fps: float, default_seconds: float = 4.0) -> int:
    """The number of frames of `frames`, or of `seconds` at `fps` (default: `default_seconds` worth)."""
    if frames is not None and seconds is not None:
        raise DreamvidError("give --frames or --seconds, not both")
    if not (math.isfinite(fps) and fps > 0):
        raise DreamvidError(f"fps must be a positive number, got {fps:g}")
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise DreamvidError(f"seconds must be a positive number, got {seconds:g}")
    if frames is not None:
        return frames
    count = (seconds if seconds is not None else default_seconds) * fps
    if not count <= ZoomSettings.MAX_FRAMES:  # inf too: 1e308 s at 25 fps
        raise DreamvidError(f"{seconds if seconds is not None else default_seconds:g} s at {fps:g} fps is "
                            f"more than {ZoomSettings.MAX_FRAMES} frames")
    return round(count)


def parse_style(text: str) -> tuple[str, float]:
    """A style image as `PATH` (weight 1) or `PATH=WEIGHT`; a path that itself holds `=` stays whole."""
    path, _, weight = text.rpartition("=")
    try:
        return (path, float(weight)) if path else (text, 1.0)
    except ValueError:
        return text, 1.0
