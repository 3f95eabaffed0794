"""Rules that tie two fields of one form together (threshold order), for every front end.

A workflow names ordered thresholds in pairs: ``psi_moderate`` / ``psi_significant``,
``degradation_warn_pct`` / ``degradation_alert_pct``. Two number fields whose names differ in
exactly one word of such a pair must be strictly ordered; an inverted pair used to be accepted
and only surfaced as a failed check several steps later. ``validate_form`` applies them, so
``run --input``, ``--answers``, ``--batch`` and the TUI form refuse the same pairs with the same
message (docs/workflows.md); the TUI also calls them while the user types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# (lower word, higher word): the first must stay below the second.
ORDERED_WORDS = (
    ("moderate", "significant"),
    ("moderate", "severe"),
    ("warn", "alert"),
    ("warn", "critical"),
    ("warning", "critical"),
    ("warning", "alert"),
    ("minor", "major"),
    ("low", "high"),
    ("lower", "upper"),
    ("min", "max"),
)
NUMBER_TYPES = ("number", "integer")


def ordered_pairs(fields: Sequence[Any]) -> list[tuple[Any, Any]]:
    """``(lower field, upper field)`` pairs among the form's number fields."""
    numbers = [f for f in fields if f.type in NUMBER_TYPES]
    pairs = []
    for low in numbers:
        low_words = low.name.split("_")
        for high in numbers:
            high_words = high.name.split("_")
            if low is high or len(low_words) != len(high_words):
                continue
            diff = [(a, b) for a, b in zip(low_words, high_words, strict=True) if a != b]
            if len(diff) == 1 and diff[0] in ORDERED_WORDS:
                pairs.append((low, high))
    return pairs


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace("_", ""))
    except ValueError:
        return None


def field_name(field: Any) -> str:
    """How a message names a field: its id (what ``--input`` and answers files use), with its
    ``label:`` when it has one."""
    given = getattr(field, "label", None)
    return f"{given} ({field.name})" if given else field.name


def order_errors(fields: Sequence[Any], values: Mapping[str, Any]) -> dict[str, str]:
    """Field name → message for each inverted pair (reported on the upper field)."""
    errors: dict[str, str] = {}
    for low, high in ordered_pairs(fields):
        low_value = _as_number(values.get(low.name, low.default))
        high_value = _as_number(values.get(high.name, high.default))
        if low_value is None or high_value is None:
            continue
        if not low_value < high_value:
            errors[high.name] = f"must be above {field_name(low)} ({low_value:g}), got {high_value:g}"
    return errors
