"""Small arithmetic formulas of time for schedules, read by a parser of our own (never Python `eval`).

    1.2 + 0.1*sin(2*pi*t/8)        clamp(f/100, 0, 1)        tri(t/6)

What a formula may hold, and nothing else:
- numbers: `2`, `0.5`, `.5`, `1e-3`;
- names: `t` (seconds), `f` (frame number), `pi`, `tau` (= 2 pi), `e`, and the audio variables of
  AUDIO_VARIABLES (`loud`, `onset`, `beat`, `bass`, `mid`, `treble`, `bpm`, `beat_count`, `beat_phase`:
  the soundtrack's values at the frame, dreamvid.audio.table), which need a soundtrack;
- `+ - * / %` and `**` (also written `^`), unary `+` and `-`, parentheses; `**` binds tighter than a
  unary minus on its left and groups to the right, as in Python: `-2**2` is -4, `2**3**2` is 512;
- calls to the functions in FUNCTIONS: sin cos tan abs sqrt exp log (natural) floor ceil, min and max
  of two or more values, clamp(x, lo, hi), smoothstep(e0, e1, x), and the period-1 waves in 0..1
  saw(x) (ramp up), tri(x) (0 at whole x, 1 halfway) and square(x) (1 on the first half, 0 on the second).

A formula is read once into a tree of closures; evaluating it only calls them. Every number is a
Python float, so a huge power overflows at once instead of building a huge integer.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from dreamvid.audio.variables import AUDIO_VARIABLES  # the soundtrack's values at a frame; they need audio
from dreamvid.errors import DreamvidError

VARIABLES = ("t", "f")
CONSTANTS = {"pi": math.pi, "tau": math.tau, "e": math.e}


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _smoothstep(edge0: float, edge1: float, value: float) -> float:
    """0 below edge0, 1 above edge1, 3s^2 - 2s^3 between (s the linear share); a step when the edges meet."""
    if edge0 == edge1:
        return 0.0 if value < edge0 else 1.0
    share = _clamp((value - edge0) / (edge1 - edge0), 0.0, 1.0)
    return share * share * (3.0 - 2.0 * share)


def _saw(value: float) -> float:
    return value - math.floor(value)


def _tri(value: float) -> float:
    return 1.0 - abs(2.0 * _saw(value) - 1.0)


def _square(value: float) -> float:
    return 1.0 if _saw(value) < 0.5 else 0.0


# name -> (function, least arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., float], int, int | None]] = {
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "abs": (abs, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "exp": (math.exp, 1, 1),
    "log": (math.log, 1, 1),
    "floor": (lambda value: float(math.floor(value)), 1, 1),
    "ceil": (lambda value: float(math.ceil(value)), 1, 1),
    "min": (min, 2, None),
    "max": (max, 2, None),
    "clamp": (_clamp, 3, 3),
    "smoothstep": (_smoothstep, 3, 3),
    "saw": (_saw, 1, 1),
    "tri": (_tri, 1, 1),
    "square": (_square, 1, 1),
}

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<operator>\*\*|[-+*/%^(),]))"
)

Node = Callable[[dict], float]


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "operator" or "end"
    text: str
    column: int  # 1-based


@dataclass(frozen=True)
class Expression:
    """A formula read once from `text`; `evaluate(t=..., f=...)` gives its float value.

    Equal when the text is equal; `dataclasses.asdict` gives {"text": ...}, so it fits a JSON manifest.
    """

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise DreamvidError(f"an expression must be text, got {self.text!r}")
        node, variables = _Parser(self.text).parse()
        # Not dataclass fields, so equality, repr and asdict see only the text.
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "variables", frozenset(variables))  # of VARIABLES, the ones it uses

    @classmethod
    def parse(cls, text: str) -> "Expression":
        """Read `text`; DreamvidError names the column and what was expected there."""
        return cls(text)

    @property
    def is_constant(self) -> bool:
        """True when the formula uses no variable (neither t, f nor an audio variable)."""
        return not self.variables

    @property
    def audio_variables(self) -> tuple[str, ...]:
        """The audio variables the formula names, in AUDIO_VARIABLES order."""
        return tuple(name for name in AUDIO_VARIABLES if name in self.variables)

    def evaluate(self, t: float = 0.0, f: float | None = None, audio: Mapping[str, float] | None = None) -> float:
        """The value at time `t` seconds and frame `f`, with the soundtrack's values there in `audio`
        (a mapping of AUDIO_VARIABLES); f and audio may stay None when the formula does not use them.

        Raises DreamvidError naming the time when the value is not a finite number
        (division by zero, log of 0, an overflow, ...).
        """
        if f is None and "f" in self.variables:
            raise DreamvidError(f"expression {_shown(self.text)} uses f (the frame number), but no frame number was given")
        heard = self.audio_variables
        if heard and audio is None:
            raise DreamvidError(f"expression {_shown(self.text)} uses {heard[0]}, an audio variable, but there is "
                                f"no audio (give --audio FILE, or a clip with sound)")
        environment = {"t": float(t), "f": float(f) if f is not None else 0.0}
        for name in heard:
            environment[name] = float(audio[name])
        try:
            value = self._node(environment)
        except ZeroDivisionError:
            raise DreamvidError(f"expression {_shown(self.text)} divides by zero at {_moment(t, f)}") from None
        except (ValueError, OverflowError) as error:
            raise DreamvidError(f"expression {_shown(self.text)} cannot be evaluated at {_moment(t, f)}: {error}") from None
        except RecursionError:
            raise DreamvidError(f"expression {_shown(self.text)} is nested too deeply to evaluate") from None
        if not math.isfinite(value):
            raise DreamvidError(f"expression {_shown(self.text)} is {value} at {_moment(t, f)}, not a finite number")
        return value


def _shown(text: str) -> str:
    """The text quoted for a message, cut short when long."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _moment(t: float, f: float | None) -> str:
    return f"t={t:g} s" + (f", f={f:g}" if f is not None else "")


class _Parser:
    """Recursive descent over the grammar

        sum     := product (("+" | "-") product)*
        product := unary (("*" | "/" | "%") unary)*
        unary   := ("+" | "-") unary | power
        power   := atom (("**" | "^") unary)?
        atom    := NUMBER | NAME | NAME "(" sum ("," sum)* ")" | "(" sum ")"
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokens(text)
        self.index = 0
        self.variables: set[str] = set()

    def parse(self) -> tuple[Node, set[str]]:
        try:
            node = self._sum()
        except RecursionError:
            raise self._error(self.tokens[0], "it is nested too deeply") from None
        token = self._peek()
        if token.kind != "end":
            raise self._error(token, f"expected an operator or the end, found {token.text!r}")
        return node, self.variables

    def _tokens(self, text: str) -> list[_Token]:
        tokens, position = [], 0
        while True:
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                rest = text[position:]
                stripped = rest.lstrip()
                column = position + len(rest) - len(stripped) + 1
                if not stripped:
                    tokens.append(_Token("end", "", column))
                    return tokens
                raise self._error(_Token("character", stripped[0], column), f"unexpected character {stripped[0]!r}")
            kind = match.lastgroup
            tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
            position = match.end()

    def _error(self, token: _Token, message: str) -> DreamvidError:
        return DreamvidError(f"cannot read expression {_shown(self.text)} at column {token.column}: {message}")

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _take(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def _accept(self, *operators: str) -> _Token | None:
        token = self._peek()
        if token.kind == "operator" and token.text in operators:
            return self._take()
        return None

    def _sum(self) -> Node:
        return self._chain(self._product, ("+", "-"))

    def _product(self) -> Node:
        return self._chain(self._unary, ("*", "/", "%"))

    def _chain(self, operand: Callable[[], Node], operators: tuple[str, ...]) -> Node:
        """Operands joined left to right, kept in one flat list so a long sum is not a deep tree."""
        first = operand()
        rest = []
        while token := self._accept(*operators):
            rest.append((_OPERATORS[token.text], operand()))
        if not rest:
            return first

        def chain(environment: dict) -> float:
            value = first(environment)
            for combine, node in rest:
                value = combine(value, node(environment))
            return value

        return chain

    def _unary(self) -> Node:
        if token := self._accept("+", "-"):
            operand = self._unary()
            if token.text == "-":
                return lambda environment: -operand(environment)
            return operand
        return self._power()

    def _power(self) -> Node:
        base = self._atom()
        if self._accept("**", "^"):
            exponent = self._unary()
            return lambda environment: _power(base(environment), exponent(environment))
        return base

    def _atom(self) -> Node:
        token = self._take()
        if token.kind == "number":
            value = float(token.text)
            return lambda environment: value
        if token.kind == "name":
            return self._named(token)
        if token.kind == "operator" and token.text == "(":
            node = self._sum()
            self._expect(")")
            return node
        found = "the end" if token.kind == "end" else repr(token.text)
        raise self._error(token, f"expected a number, a name or '(', found {found}")

    def _named(self, token: _Token) -> Node:
        name = token.text
        calling = self._peek().kind == "operator" and self._peek().text == "("
        if name in FUNCTIONS:
            if not calling:
                raise self._error(token, f"{name} is a function: write {name}(...)")
            return self._call(token)
        if calling and name in (*VARIABLES, *AUDIO_VARIABLES, *CONSTANTS):
            raise self._error(token, f"{name} is not a function; write {name}*(...) to multiply")
        if calling:
            raise self._error(token, f"unknown function {name!r}; functions are {', '.join(FUNCTIONS)}")
        if name in VARIABLES or name in AUDIO_VARIABLES:
            self.variables.add(name)
            return lambda environment: environment[name]
        if name in CONSTANTS:
            value = CONSTANTS[name]
            return lambda environment: value
        known = ", ".join((*VARIABLES, *AUDIO_VARIABLES, *CONSTANTS))
        raise self._error(token, f"unknown name {name!r}; names are {known} and functions")

    def _call(self, token: _Token) -> Node:
        function, least, most = FUNCTIONS[token.text]
        self._expect("(")
        arguments = [self._sum()]
        while self._accept(","):
            arguments.append(self._sum())
        self._expect(")")
        count = len(arguments)
        if count < least or (most is not None and count > most):
            wanted = f"{least}" if least == most else f"at least {least}"
            plural = "" if wanted == "1" else "s"
            raise self._error(token, f"{token.text} takes {wanted} argument{plural}, got {count}")
        return lambda environment: float(function(*(argument(environment) for argument in arguments)))

    def _expect(self, wanted: str) -> None:
        token = self._peek()
        if token.kind == "operator" and token.text == wanted:
            self._take()
            return
        found = "the end" if token.kind == "end" else repr(token.text)
        raise self._error(token, f"expected {wanted!r}, found {found}")


def _power(base: float, exponent: float) -> float:
    """base ** exponent for floats; a negative base to a fractional power is a domain error, not complex."""
    value = base**exponent
    if isinstance(value, complex):
        raise ValueError("math domain error")
    return value


_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
