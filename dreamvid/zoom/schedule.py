"""Keyframe schedules for zoom animations: TOML or JSON, values interpolated in time.

    [[keyframe]]
    time = 0            # seconds
    zoom = 1.3          # per second
    rotate = 0          # degrees per second
    pan = [0.0, 0.0]    # fractions of the frame per second
    step_size = 2.0
    layers = { block3_conv3 = 1.0 }
    ease = "smooth"     # how values go from here to the next keyframe: linear (default), smooth, step

    [[keyframe]]
    time = 10
    zoom = "1.2 + 0.1*sin(2*pi*t/8)"
    layers = { block5_conv1 = "tri(t/6)", block4_conv3 = "1 - tri(t/6)" }

JSON takes the same as `{"keyframe": [{...}, ...]}`. A key a keyframe leaves out keeps the value of
the keyframe before it; a layer missing from a `layers` table has weight 0 there. Before the first
keyframe and after the last, values hold.

Any number except `time` may instead be a formula in `t` (seconds) or `f` (frame number), text that
dreamvid.zoom.formulas reads (no Python eval); each element of `pan` and each layer weight may be one.
A formula may also name the soundtrack's audio variables (`loud`, `beat`, `bass`, ...: dreamvid.audio),
read at each frame from a table of them bound to the schedule (`with_audio`); an `[audio]` table in the
file sets how they are smoothed (AudioSettings: attack, release, beat_decay, bass_hz, treble_hz, rate).

A zoom varies ZOOM_KEYS (its camera, the dream's step size, layers and steps per frame); a video
varies VIDEO_KEYS (step size, layers, steps per frame, the carried share `blend`, a style's
`style_weight`); `check_keys` names a key the render cannot vary.
A formula is evaluated at the time asked for, also between keyframes: there its value is mixed with
the other keyframe's like a number. Easing shapes the share of the way from one keyframe to the next:
linear, smooth (3s^2 - 2s^3, no jump in speed at either keyframe) or step (hold until the next).
"""

from __future__ import annotations

import json
import math
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dreamvid.errors import DreamvidError
from dreamvid.io.paths import check_input_file
from dreamvid.settings import AudioSettings, LayerTerm
from dreamvid.zoom.formulas import Expression

if TYPE_CHECKING:
    from dreamvid.audio.table import AudioTable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NUMBERS = ("zoom", "rotate", "step_size", "steps", "blend", "style_weight")
POSITIVE = ("zoom", "step_size", "style_weight")
EASES = ("linear", "smooth", "step")
MAX_SCHEDULE_BYTES = 10**7  # a schedule is keyframes of text: 10 MB is thousands of times what one needs
KEYS = {"time", "pan", "layers", "ease", *NUMBERS}
# What each kind of render can vary over time.
ZOOM_KEYS = ("zoom", "rotate", "pan", "step_size", "layers", "steps")
VIDEO_KEYS = ("step_size", "layers", "steps", "blend", "style_weight")
RENDER_KEYS = {"zoom": ZOOM_KEYS, "video": ("step_size", "layers", "steps", "blend"),
               "style video": ("steps", "blend", "style_weight")}
AUDIO_KEYS = tuple(member.name for member in fields(AudioSettings))
DREAM_KEYS = ("layers", "step_size", "steps")  # what a zoom schedule varies of the dream (the rest: the camera)
# What a schedule gives for a key at a time: a number, an (x, y) pair, or {layer: weight}.
Value = float | tuple[float, float] | dict[str, float]


@dataclass(frozen=True)
class Formula:
    """A keyframe value written as an expression, with the place it was written for error messages."""

    expression: Expression
    where: str  # e.g. "trip.toml line 9 (keyframe 2 `zoom`)"

    def at(self, seconds: float, frame: float | None, audio: dict | None = None) -> float:
        try:
            return self.expression.evaluate(t=seconds, f=frame, audio=audio)
        except DreamvidError as error:
            raise DreamvidError(f"{self.where}: {error}") from None


@dataclass(frozen=True)
class Keyframe:
    time: float
    values: dict  # numbers (NUMBERS): float | Formula; pan: (x, y) of those; layers: {name: weight}
    ease: str = "linear"  # how values go from this keyframe to the next: one of EASES
    lines: dict = field(default_factory=dict, compare=False)  # key -> "FILE line N", for error messages


@dataclass(frozen=True)
class Schedule:
    keyframes: tuple[Keyframe, ...]
    source: str = ""  # the file it came from, for error messages
    audio_settings: AudioSettings | None = None  # the file's [audio] table (None: it has none)
    audio: "AudioTable | None" = field(default=None, compare=False)  # the soundtrack's values per frame
    fps: float | None = None  # frames per second of the render, so a time gives its frame number

    def with_audio(self, table: "AudioTable") -> "Schedule":
        """This schedule reading its audio variables from `table` (and frame numbers at the table's fps)."""
        return replace(self, audio=table, fps=table.fps)

    def at_rate(self, fps: float) -> "Schedule":
        """This schedule for a render at `fps`: a time it is asked about gives the frame number round(t * fps)."""
        return replace(self, fps=float(fps))

    @property
    def settings_of_audio(self) -> AudioSettings:
        """How the audio variables are computed: the file's [audio] table, or the defaults."""
        return self.audio_settings or AudioSettings()

    def audio_use(self) -> tuple[str, str] | None:
        """(where, variable) of the first formula naming an audio variable, or None when none does."""
        for keyframe in self.keyframes:
            for value in keyframe.values.values():
                for formula in _formula_list(value):
                    if formula.expression.audio_variables:
                        return formula.where, formula.expression.audio_variables[0]
        return None

    @property
    def needs_audio(self) -> bool:
        """True when some formula names an audio variable."""
        return self.audio_use() is not None

    def check_audio(self) -> None:
        """A schedule whose formulas name audio variables needs a soundtrack: DreamvidError in one line."""
        use = self.audio_use()
        if use is not None and self.audio is None:
            where, name = use
            raise DreamvidError(f"{where}: uses {name}, an audio variable, but there is no audio "
                                f"(give --audio FILE, or a clip with sound)")

    def check_keys(self, kind: str) -> None:
        """DreamvidError naming the first key a `kind` of render (RENDER_KEYS: "zoom", "video" or
        "style video", a video with style transfer) cannot vary."""
        allowed = RENDER_KEYS[kind]
        for keyframe in self.keyframes:
            for key in keyframe.values:
                if key not in allowed:
                    where = keyframe.lines.get(key) or self.source or "the schedule"
                    hint = " (style_weight needs --style)" if key == "style_weight" else ""
                    raise DreamvidError(f"{where}: a {kind} schedule cannot vary {key}{hint}; "
                                        f"it varies {', '.join(allowed)}")

    @property
    def layer_names(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for keyframe in self.keyframes:
            names.update(dict.fromkeys(keyframe.values.get("layers", {})))
        return tuple(names)

    @property
    def keys(self) -> set[str]:
        """The keys some keyframe sets."""
        return {key for keyframe in self.keyframes for key in keyframe.values}

    @property
    def has_formulas(self) -> bool:
        """True when some value is a formula (so it changes also where keyframes hold)."""
        return any(_formulas(value) for keyframe in self.keyframes for value in keyframe.values.values())

    def value(self, key: str, time: float, default: Value, frame: float | None = None) -> Value:
        """The value of `key` at `time` seconds: a float, a (x, y) pair, or a {layer: weight} dict.

        `frame` is the frame number that formulas read as `f`; it is needed only when one uses f.
        Formulas are evaluated at `time`; a zoom or step_size that comes out 0 or less, or any
        value that is not finite, raises DreamvidError naming the file, key and time.
        """
        known = [keyframe for keyframe in self.keyframes if key in keyframe.values]
        if not known:
            return default
        if frame is None and self.fps is not None:
            frame = round(time * self.fps)
        audio = self.audio.at(int(frame)) if self.audio is not None and frame is not None else None
        times = [keyframe.time for keyframe in known]
        index = bisect_right(times, time)
        if index == 0:
            value = _resolve(known[0].values[key], time, frame, audio)
        elif index == len(known):
            value = _resolve(known[-1].values[key], time, frame, audio)
        else:
            before, after = known[index - 1], known[index]
            if before.ease == "step":
                value = _resolve(before.values[key], time, frame, audio)
            else:
                share = (time - before.time) / (after.time - before.time)
                if before.ease == "smooth":
                    share = share * share * (3.0 - 2.0 * share)
                value = _mix(_resolve(before.values[key], time, frame, audio),
                             _resolve(after.values[key], time, frame, audio), share)
        self._check(key, value, time)
        return value

    def check(self, frames: int, fps: float) -> None:
        """Evaluate every key at every frame time i / fps, so a formula that fails does so before a render starts."""
        for index in range(frames):
            for key in sorted(self.keys):
                self.value(key, index / fps, None, frame=index)

    def manifest(self) -> dict:
        """The schedule as plain JSON data (formulas as their text), to store with a render; with its
        [audio] table and a digest of the audio values bound to it, when it has them."""
        data = {
            "keyframe": [
                {"time": keyframe.time, "ease": keyframe.ease, **{key: _plain(value) for key, value in keyframe.values.items()}}
                for keyframe in self.keyframes
            ]
        }
        if self.audio_settings is not None:
            data["audio"] = {member.name: getattr(self.audio_settings, member.name) for member in fields(AudioSettings)}
        if self.audio is not None:
            data["audio_values"] = self.audio.manifest()
        return data

    def _check(self, key: str, value, time: float) -> None:
        numbers = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
        where = f"{self.source}: " if self.source else ""
        for number in numbers:
            if not math.isfinite(number):
                raise DreamvidError(f"{where}{key} is {number} at t={time:g} s, not a finite number")
            if key in POSITIVE and number <= 0:
                raise DreamvidError(f"{where}{key} is {number:g} at t={time:g} s; it must be positive")
            if key == "steps" and number < 0:
                raise DreamvidError(f"{where}steps is {number:g} at t={time:g} s; it must be 0 or more")
            if key == "blend" and not 0 <= number <= 1:
                raise DreamvidError(f"{where}blend is {number:g} at t={time:g} s; it must be between 0 and 1")


def _resolve(value, time: float, frame: float | None, audio: dict | None = None):
    """The value with every formula in it evaluated."""
    if isinstance(value, Formula):
        return value.at(time, frame, audio)
    if isinstance(value, dict):
        return {name: _resolve(weight, time, frame, audio) for name, weight in value.items()}
    if isinstance(value, tuple):
        return tuple(_resolve(element, time, frame, audio) for element in value)
    return value


def _formula_list(value) -> list[Formula]:
    if isinstance(value, dict):
        return [formula for element in value.values() for formula in _formula_list(element)]
    if isinstance(value, tuple):
        return [formula for element in value for formula in _formula_list(element)]
    return [value] if isinstance(value, Formula) else []


def _formulas(value) -> bool:
    if isinstance(value, dict):
        return any(_formulas(element) for element in value.values())
    if isinstance(value, tuple):
        return any(_formulas(element) for element in value)
    return isinstance(value, Formula)


def _plain(value):
    if isinstance(value, Formula):
        return value.expression.text
    if isinstance(value, dict):
        return {name: _plain(weight) for name, weight in value.items()}
    if isinstance(value, tuple):
        return [_plain(element) for element in value]
    return value


def _mix(first, second, share: float):
    if isinstance(first, dict):
        names = dict.fromkeys(list(first) + list(second))
        return {name: _mix(first.get(name, 0.0), second.get(name, 0.0), share) for name in names}
    if isinstance(first, tuple):
        return tuple(_mix(a, b, share) for a, b in zip(first, second))
    return first + (second - first) * share


def layer_cycle_schedule(names: list[str] | tuple[str, ...], seconds: float, fade: float = 0.5) -> Schedule:
    """A schedule that hands the objective from layer to layer: each leads for `seconds`, in turn, forever.

    Layer k of n has weight smoothstep(h + w, h - w, d) with h = 1/(2n), w = fade * h and d the
    distance, in cycles of n * seconds, from t to the middle of k's turn: 1 through the middle of its
    turn, 0 outside it, and across each change of turn (a `fade` share of a turn) one layer's weight
    falls as the next one's rises, the two summing to 1.
    """
    names = tuple(names)
    if len(names) < 2:
        raise DreamvidError(f"a layer cycle needs at least two layers, got {len(names)}")
    if len(set(names)) != len(names):
        raise DreamvidError(f"a layer cycle names a layer twice: {', '.join(names)}")
    if not (math.isfinite(seconds) and seconds > 0):
        raise DreamvidError(f"the seconds per layer of a cycle must be positive, got {seconds}")
    if not 0 < fade <= 1:
        raise DreamvidError(f"the fade of a layer cycle must be more than 0 and at most 1, got {fade}")
    count = len(names)
    weights = {}
    for index, name in enumerate(names):
        if LayerTerm.parse(name).weight == 0:  # it would never be dreamed; all of them, nothing would be
            raise DreamvidError(f"a layer cycle's layer {name} has weight 0; leave it out of the cycle")
        # Written as fractions, so the formula reads as the docstring: e.g. 1.5/6, 0.5/6, 1/6.
        distance = f"abs(saw(t/{count * seconds:g} - {2 * index + 1}/{2 * count} + 0.5) - 0.5)"
        text = f"smoothstep({1 + fade:g}/{2 * count}, {1 - fade:g}/{2 * count}, {distance})"
        weights[name] = Formula(Expression.parse(text), f"layer cycle `{name}`")
    return Schedule((Keyframe(0.0, {"layers": weights}),), source="layer cycle")


def load_schedule(path: str | Path) -> Schedule:
    """Read and check a schedule; every error names the file and the line that is wrong.

    It must be a regular file (a named pipe would block the read forever) of at most MAX_SCHEDULE_BYTES.
    """
    try:
        path = check_input_file(path)
    except DreamvidError as error:
        raise DreamvidError(f"cannot read schedule {path}: {error}") from None
    if path.stat().st_size > MAX_SCHEDULE_BYTES:
        raise DreamvidError(f"schedule {path} is {path.stat().st_size / 1e6:.0f} MB; a schedule may be at most "
                            f"{MAX_SCHEDULE_BYTES // 10**6} MB")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a schedule saved by Notepad starts with a BOM
    except (OSError, UnicodeDecodeError) as error:
        raise DreamvidError(f"cannot read schedule {path}: {getattr(error, 'strerror', None) or error}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DreamvidError(f"{path} line {error.lineno}: {error.msg}") from None
        except ValueError as error:  # an integer of more than 4300 digits
            raise DreamvidError(f"{path}: {error}") from None
        except RecursionError:
            raise DreamvidError(f"{path}: nested too deeply to be a schedule") from None
    else:
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError) as error:
            raise DreamvidError(f"{path}: {error}") from None
        except RecursionError:
            raise DreamvidError(f"{path}: nested too deeply to be a schedule") from None
    entries = data.get("keyframe") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise DreamvidError(f"{path} line 1: a schedule needs a list of keyframes under 'keyframe'")
    starts = _keyframe_lines(text, path.suffix.lower() == ".json")
    keyframes = [_keyframe(entry, path, text, starts, index) for index, entry in enumerate(entries)]
    times = [frame.time for frame in keyframes]
    for index in range(1, len(times)):
        if times[index] <= times[index - 1]:
            line = _line_of(text, starts, index, "time")
            raise DreamvidError(f"{path} line {line}: keyframe times must increase ({times[index]} after {times[index - 1]})")
    return Schedule(tuple(keyframes), source=str(path), audio_settings=_audio_settings(data, path, text))


def _audio_settings(data: dict, path: Path, text: str) -> AudioSettings | None:
    """The file's [audio] table (JSON: an "audio" object) as AudioSettings; None when it has none."""
    if "audio" not in data:
        return None
    table = data["audio"]
    lines = text.splitlines()
    start = next((number for number, line in enumerate(lines, 1)
                  if re.match(r'\s*(\[\s*audio\s*\]|"audio"\s*:)', line)), 1)

    def line_of(key: str) -> int:
        pattern = re.compile(rf'(^|[\s{{,"]){re.escape(key)}"?\s*[=:]')
        return next((number for number in range(start, len(lines) + 1) if pattern.search(lines[number - 1])), start)

    if not isinstance(table, dict):
        raise DreamvidError(f"{path} line {start}: [audio] must be a table of settings")
    for key, value in table.items():
        if key not in AUDIO_KEYS:
            raise DreamvidError(f"{path} line {line_of(key)}: unknown audio setting {key!r}; "
                                f"settings are {', '.join(AUDIO_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DreamvidError(f"{path} line {line_of(key)}: audio {key} must be a number, got {_short(value)}")
        if not _finite(value):
            raise DreamvidError(f"{path} line {line_of(key)}: audio {key} must be a finite number, got {_short(value)}")
    if "rate" in table and table["rate"] != int(table["rate"]):
        raise DreamvidError(f"{path} line {line_of('rate')}: audio rate must be a whole number, got {table['rate']}")
    try:
        return AudioSettings(**{key: int(value) if key == "rate" else float(value) for key, value in table.items()})
    except DreamvidError as error:
        raise DreamvidError(f"{path} line {start}: {error}") from None


def _keyframe(entry, path: Path, text: str, starts: list[int], index: int) -> Keyframe:
    def wrong(key: str, message: str) -> DreamvidError:
        return DreamvidError(f"{path} line {_line_of(text, starts, index, key)}: {message}")

    def number(value, key: str, label: str, what: str):
        """A finite float, or a Formula when `value` is text; a formula without t or f is worked out now."""
        if isinstance(value, str):
            where = f"{path} line {_line_of(text, starts, index, key)} (keyframe {index + 1} `{label}`)"
            try:
                expression = Expression.parse(value)
                if not expression.is_constant:
                    return Formula(expression, where)
                value = expression.evaluate()
            except DreamvidError as error:
                raise DreamvidError(f"{where}: {error}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong(key, f"{what} must be a number or a formula, got {_short(value)}")
        if not _finite(value):
            raise wrong(key, f"{what} must be a finite number, got {_short(value)}")
        return float(value)

    if not isinstance(entry, dict):
        return_line = starts[index] if index < len(starts) else 1
        raise DreamvidError(f"{path} line {return_line}: a keyframe must be a table of values")
    unknown = set(entry) - KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise wrong(name, f"unknown key {name!r}; keys are {', '.join(sorted(KEYS))}")
    if "time" not in entry:
        raise wrong("", "a keyframe needs a time (seconds)")
    time = entry["time"]
    if isinstance(time, bool) or not isinstance(time, (int, float)):
        raise wrong("time", f"time must be a number, got {_short(time)}")
    if not _finite(time) or time < 0:
        raise wrong("time", f"time must be a finite number of seconds, 0 or more, got {_short(time)}")
    values: dict = {}
    for key in NUMBERS:
        if key in entry:
            values[key] = number(entry[key], key, key, key)
            if key in POSITIVE and isinstance(values[key], float) and values[key] <= 0:
                raise wrong(key, f"{key} must be positive, got {values[key]}")
            if key == "steps" and isinstance(values[key], float) and values[key] < 0:
                raise wrong(key, f"steps must be 0 or more, got {values[key]}")
            if key == "blend" and isinstance(values[key], float) and not 0 <= values[key] <= 1:
                raise wrong(key, f"blend must be between 0 and 1, got {values[key]}")
    if "pan" in entry:
        pan = entry["pan"]
        if not (isinstance(pan, list) and len(pan) == 2):
            raise wrong("pan", f"pan must be two numbers [x, y], got {pan!r}")
        values["pan"] = tuple(number(element, "pan", f"pan {axis}", f"pan {axis}") for element, axis in zip(pan, "xy"))
    if "layers" in entry:
        layers = entry["layers"]
        if not isinstance(layers, dict) or not layers:
            raise wrong("layers", "layers must be a table of layer = weight")
        weights = {}
        for name, weight in layers.items():
            if not isinstance(name, str):
                raise wrong("layers", f"a layer name must be text, got {name!r}")
            try:
                LayerTerm.parse(name)
            except DreamvidError as error:
                raise wrong(name, str(error)) from None
            if "=" in name:
                raise wrong(name, f"layer {name!r} has a weight in its name; give the weight as its value")
            weights[name] = number(weight, name, f"layers.{name}", f"the weight of {name}")
        values["layers"] = weights
    ease = entry.get("ease", "linear")
    if ease not in EASES:
        raise wrong("ease", f"ease must be one of {', '.join(EASES)}, got {ease!r}")
    return Keyframe(float(time), values, ease,
                    lines={key: f"{path} line {_line_of(text, starts, index, key)}" for key in values})


def _finite(value: int | float) -> bool:
    """Whether a number read from a file is a finite float (JSON and TOML integers may have 1000 digits)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _short(value) -> str:
    """A value read from a file, as an error message shows it: at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _keyframe_lines(text: str, is_json: bool) -> list[int]:
    """1-based line where each keyframe starts."""
    lines = text.splitlines()
    if not is_json:
        return [number for number, line in enumerate(lines, 1) if re.match(r"\s*\[\[\s*keyframe\s*\]\]", line)]
    starts, depth, line = [], 0, 1
    in_string = escaped = False
    for character in text:
        if character == "\n":
            line += 1
        if in_string:
            escaped = not escaped and character == "\\"
            if character == '"' and not escaped:
                in_string = False
            continue
        if character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if character == "{" and depth == 3:
                starts.append(line)
        elif character in "]}":
            depth -= 1
    return starts


def _line_of(text: str, starts: list[int], index: int, key: str) -> int:
    """The line of `key` inside keyframe `index`, else the keyframe's first line."""
    if index >= len(starts):
        return 1
    lines = text.splitlines()
    end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
    if key:
        pattern = re.compile(rf'(^|[\s{{,"]){re.escape(key)}"?\s*[=:]')
        for number in range(starts[index], end + 1):
            if pattern.search(lines[number - 1]):
                return number
    return starts[index]
