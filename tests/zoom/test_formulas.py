import dataclasses
import json
import math

import pytest

from dreamvid.errors import DreamvidError
from dreamvid.zoom.formulas import Expression


@pytest.mark.parametrize(
    "text, t, f, expected",
    [
        ("1.2 + 0.1*sin(2*pi*t/8)", 2.0, None, 1.3),
        ("1.2 + 0.1*sin(2*pi*t/8)", 6.0, None, 1.1),
        ("clamp(f/100, 0, 1)", 0.0, 250, 1.0),
        ("clamp(f/100, 0, 1)", 0.0, 25, 0.25),
        ("-2**2", 0.0, None, -4.0),
        ("2**3**2", 0.0, None, 512.0),
        ("2^-1", 0.0, None, 0.5),
        ("(1 + 2) * 3 - 4 / 8", 0.0, None, 8.5),
        ("-7 % 3", 0.0, None, 2.0),
        ("+.5e1 - 1.", 0.0, None, 4.0),
        ("tau - 2*pi + e - exp(1)", 0.0, None, 0.0),
        ("min(t, 3, 2) + max(t, 1)", 5.0, None, 7.0),
        ("floor(t) + ceil(t) + abs(-t)", 1.5, None, 4.5),
        ("sqrt(t) + log(exp(2)) + cos(0) + tan(0)", 9.0, None, 6.0),
        ("smoothstep(0, 10, t)", 5.0, None, 0.5),
        ("smoothstep(0, 10, t)", 2.5, None, 0.15625),
        ("smoothstep(0, 10, t)", -1.0, None, 0.0),
        ("saw(t/4)", 5.0, None, 0.25),
        ("tri(t/6)", 3.0, None, 1.0),
        ("tri(t/6)", 7.5, None, 0.5),
        ("square(t)", 0.25, None, 1.0),
        ("square(t)", 0.75, None, 0.0),
    ],
)
def test_formulas_evaluate(text, t, f, expected):
    assert Expression.parse(text).evaluate(t=t, f=f) == pytest.approx(expected, abs=1e-12)


def test_variables_and_text_only_identity():
    expression = Expression.parse("t * 2 + f")
    assert expression.variables == {"t", "f"}
    assert not expression.is_constant
    assert Expression.parse("2 * pi").is_constant
    assert expression == Expression.parse("t * 2 + f")
    assert dataclasses.asdict(expression) == {"text": "t * 2 + f"}
    assert json.loads(json.dumps(dataclasses.asdict(expression))) == {"text": "t * 2 + f"}


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("sin(2*pi*t", 11, "expected '\\)'"),
        ("1 +", 4, "expected a number, a name or '\\(', found the end"),
        ("", 1, "expected a number"),
        ("t $ 2", 3, "unexpected character '\\$'"),
        ("2pi", 2, "expected an operator or the end, found 'pi'"),
        ("1, 2", 2, "expected an operator or the end, found ','"),
        ("max(t)", 1, "max takes at least 2 arguments, got 1"),
        ("foo(t)", 1, "unknown function 'foo'; functions are sin, cos"),
        ("1 + x", 5, "unknown name 'x'; names are t, f, loud, onset, beat, bass, mid, treble, bpm, beat_count, beat_phase, pi, tau, e"),
        ("2 * sin", 5, "sin is a function: write sin\\(...\\)"),
        ("pi(2)", 1, "pi is not a function"),
        ("1 + sin(1, 2)", 5, "sin takes 1 argument, got 2"),
        ("clamp(t)", 1, "clamp takes 3 arguments, got 1"),
        ("max()", 5, "expected a number"),
        ("__import__(1)", 1, "unknown function '__import__'"),
        ("t.real", 2, "unexpected character '\\.'"),
        ("(" * 5000 + "1" + ")" * 5000, 1, "it is nested too deeply"),
    ],
)
def test_bad_formulas_name_the_column(text, column, words):
    with pytest.raises(DreamvidError, match=f"cannot read expression .* at column {column}: {words}"):
        Expression.parse(text)


def test_error_message_is_one_readable_line():
    with pytest.raises(DreamvidError) as caught:
        Expression.parse("sin(2*pi*t")
    assert str(caught.value) == "cannot read expression 'sin(2*pi*t' at column 11: expected ')', found the end"


@pytest.mark.parametrize(
    "text, t, f, words",
    [
        ("1/t", 0.0, None, "'1/t' divides by zero at t=0 s"),
        ("t % 0", 1.0, None, "divides by zero at t=1 s"),
        ("log(t)", 0.0, None, "cannot be evaluated at t=0 s: math domain error"),
        ("sqrt(t - f)", 2.0, 3, "at t=2 s, f=3: math domain error"),
        ("exp(t)", 1000.0, None, "cannot be evaluated at t=1000 s"),
        ("10**t", 400.0, None, "cannot be evaluated at t=400 s"),
        ("(-1)**t", 0.5, None, "math domain error"),
        ("f + 1", 0.0, None, "uses f \\(the frame number\\), but no frame number was given"),
    ],
)
def test_values_that_are_not_finite_name_the_time(text, t, f, words):
    with pytest.raises(DreamvidError, match=words):
        Expression.parse(text).evaluate(t=t, f=f)


def test_a_very_long_sum_is_flat_not_deep():
    assert Expression.parse("+".join(["t"] * 20000)).evaluate(t=1.0) == 20000.0
    assert Expression.parse("*".join(["t"] * 20000)).evaluate(t=1.0) == 1.0


def test_results_are_floats_even_for_whole_numbers():
    value = Expression.parse("floor(t) + 2**3").evaluate(t=1.7)
    assert isinstance(value, float) and value == 9.0
    assert math.isfinite(Expression.parse("tan(pi/2)").evaluate())
