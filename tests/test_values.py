"""The one number reader: the rules every front end and the engine share (axtui/values.py)."""

from __future__ import annotations

import pytest

from axtui.core.workflow.conditions import _as_number
from axtui.core.workflow.fields import _Invalid, _number
from axtui.errors import InputError
from axtui.values import NotANumber, parse_number, to_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (0.25, 0.25), (" 1e-3 ", 0.001), ("1_000", 1000.0), ("-2", -2.0)],
)
def test_numbers_and_number_text(value: object, expected: float) -> None:
    assert to_number(value) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "bool"), ("abc", "text"), ("", "text"), ("20%", "text"), (None, "type"), ([1], "type"),
     ("nan", "infinite"), (float("inf"), "infinite")],
)  # fmt: skip
def test_what_is_not_a_number_and_why(value: object, kind: str) -> None:
    with pytest.raises(NotANumber) as caught:
        to_number(value)
    assert caught.value.kind == kind


def test_percent_only_where_asked() -> None:
    assert to_number("20%", percent=True) == pytest.approx(0.2)
    assert parse_number("20%", "alpha") == pytest.approx(0.2)
    with pytest.raises(_Invalid, match="expected a number, got '20%'"):
        _number("20%", integer=False)
    assert _as_number("20%") is None


def test_each_caller_words_the_refusal_its_way() -> None:
    with pytest.raises(InputError, match=r"alpha must be finite \(got 'inf'\)"):
        parse_number("inf", "alpha")
    with pytest.raises(InputError, match=r"alpha must be a number \(got True\)"):
        parse_number(True, "alpha")
    with pytest.raises(_Invalid, match="expected a number, got true/false"):
        _number(True, integer=False)
    with pytest.raises(_Invalid, match="expected a finite number"):
        _number("inf", integer=False)
    assert _number("3", integer=True) == 3 and _number(2.5, integer=False) == 2.5
    assert _as_number(True) is None and _as_number(" 4 ") == 4.0
