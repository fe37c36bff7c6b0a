"""Keyframe schedules for zoom animations: TOML or JSON, values interpolated linearly in time.

    [[keyframe]]
    time = 0            # seconds
    zoom = 1.3          # per second
    rotate = 0          # degrees per second
    pan = [0.0, 0.0]    # fractions of the frame per second
    step_size = 2.0
    layers = { block3_conv3 = 1.0 }

    [[keyframe]]
    time = 10
    layers = { block5_conv1 = 1.0 }

JSON takes the same as `{"keyframe": [{...}, ...]}`. A key a keyframe leaves out keeps the value of
the keyframe before it; a layer missing from a `layers` table has weight 0 there. Before the first
keyframe and after the last, values hold.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from dreamvid.errors import DreamvidError
from dreamvid.settings import LayerTerm

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NUMBERS = ("zoom", "rotate", "step_size")
KEYS = {"time", "pan", "layers", *NUMBERS}


@dataclass(frozen=True)
class Keyframe:
    time: float
    values: dict  # zoom, rotate, step_size: float; pan: (x, y); layers: {name: weight}


@dataclass(frozen=True)
class Schedule:
    keyframes: tuple[Keyframe, ...]

    @property
    def layer_names(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for keyframe in self.keyframes:
            names.update(dict.fromkeys(keyframe.values.get("layers", {})))
        return tuple(names)

    def value(self, key: str, time: float, default):
        """The value of `key` at `time`: a float, a (x, y) pair, or a {layer: weight} dict."""
        known = [frame for frame in self.keyframes if key in frame.values]
        if not known:
            return default
        times = [frame.time for frame in known]
        index = bisect_right(times, time)
        if index == 0:
            return known[0].values[key]
        if index == len(known):
            return known[-1].values[key]
        before, after = known[index - 1], known[index]
        share = (time - before.time) / (after.time - before.time)
        return _mix(before.values[key], after.values[key], share)


def _mix(first, second, share: float):
    if isinstance(first, dict):
        names = dict.fromkeys(list(first) + list(second))
        return {name: _mix(first.get(name, 0.0), second.get(name, 0.0), share) for name in names}
    if isinstance(first, tuple):
        return tuple(_mix(a, b, share) for a, b in zip(first, second))
    return first + (second - first) * share


def load_schedule(path: str | Path) -> Schedule:
    """Read and check a schedule; every error names the file and the line that is wrong."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise DreamvidError(f"cannot read schedule {path}: {getattr(error, 'strerror', None) or error}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DreamvidError(f"{path} line {error.lineno}: {error.msg}") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise DreamvidError(f"{path}: {error}") from None
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
    return Schedule(tuple(keyframes))


def _keyframe(entry, path: Path, text: str, starts: list[int], index: int) -> Keyframe:
    def wrong(key: str, message: str) -> DreamvidError:
        return DreamvidError(f"{path} line {_line_of(text, starts, index, key)}: {message}")

    if not isinstance(entry, dict):
        return_line = starts[index] if index < len(starts) else 1
        raise DreamvidError(f"{path} line {return_line}: a keyframe must be a table of values")
    unknown = set(entry) - KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise wrong(name, f"unknown key {name!r}; keys are {', '.join(sorted(KEYS))}")
    if "time" not in entry:
        raise wrong("", "a keyframe needs a time (seconds)")
    values: dict = {}
    for key in ("time", *NUMBERS):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise wrong(key, f"{key} must be a number, got {value!r}")
            values[key] = float(value)
    if values["time"] < 0:
        raise wrong("time", "time must be 0 or more")
    if "zoom" in values and values["zoom"] <= 0:
        raise wrong("zoom", f"zoom must be positive, got {values['zoom']}")
    if "step_size" in values and values["step_size"] <= 0:
        raise wrong("step_size", f"step_size must be positive, got {values['step_size']}")
    if "pan" in entry:
        pan = entry["pan"]
        if not (isinstance(pan, list) and len(pan) == 2 and all(isinstance(v, (int, float)) for v in pan)):
            raise wrong("pan", f"pan must be two numbers [x, y], got {pan!r}")
        values["pan"] = (float(pan[0]), float(pan[1]))
    if "layers" in entry:
        layers = entry["layers"]
        if not isinstance(layers, dict) or not layers:
            raise wrong("layers", "layers must be a table of layer = weight")
        for name, weight in layers.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise wrong("layers", f"the weight of {name} must be a number, got {weight!r}")
            LayerTerm.parse(name)
        values["layers"] = {name: float(weight) for name, weight in layers.items()}
    time = values.pop("time")
    return Keyframe(time, values)


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
