"""What a finished session decided, first: the verdicts and the key numbers of its steps.

The completion screen used to say only "All 19 steps are done"; the decision (SHIP, 7/10
checks) was three screens away in the report. This module turns the session's ``decisions``
(the workflow's ``decisions:`` paths) and the results of its compute steps into a few lines.
Nothing is computed here: every number is one the engine stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text

from axtui.present.format import cell, label, percent, pvalue
from axtui.tui.session_state import SessionSnapshot, StepView
from axtui.tui.widgets.results import decision_style


def decision_lines(decisions: dict[str, Any]) -> list[Text]:
    """``A/B decision: SHIP`` in its colour, one line per workflow decision."""
    lines = []
    for name, value in decisions.items():
        text = Text(f"{label(name)}: ", style="bold")
        shown = cell(value)
        text.append(shown, style=decision_style(shown) if isinstance(value, str) else "bold")
        lines.append(text)
    return lines


def _ab_numbers(step: StepView, result: dict[str, Any]) -> Iterable[Text]:
    for m in result.get("metrics") or []:
        if not isinstance(m, dict):
            continue
        sig = bool(m.get("significant"))
        text = Text(f"{m.get('metric')}: ", style="bold")
        text.append(f"lift {percent(m.get('relative_lift'))}")
        text.append(f", p {pvalue(m.get('p_value'))} ({m.get('test') or 'test'})")
        text.append("  significant" if sig else "  not significant", style="green" if sig else "dim")
        yield text


def key_numbers(steps: list[StepView]) -> list[Text]:
    """One line per compute result worth reading at the end (checks, A/B metrics, drift, evaluation)."""
    lines: list[Text] = []
    for step in steps:
        result = step.result
        if step.type != "compute" or step.status != "done" or not isinstance(result, dict):
            continue
        if step.fn == "checks" and "total" in result:
            ok = bool(result.get("all_passed"))
            text = Text(f"{step.name}: ", style="bold")
            text.append(
                f"{result.get('passed', 0)}/{result.get('total', 0)} checks passed",
                style="green" if ok else "bold yellow",
            )
            lines.append(text)
        elif step.fn == "ab_analyze":
            lines.extend(_ab_numbers(step, result))
        elif step.fn in ("drift", "prediction_drift") and result.get("alert_level"):
            level = str(result["alert_level"])
            text = Text(f"{step.name}: ", style="bold")
            text.append(f"alert {level}", style=decision_style(level))
            lines.append(text)
    return lines


def outcome(snap: SessionSnapshot) -> list[Text]:
    """The lines the completion screen leads with (decisions first, then key numbers)."""
    return decision_lines(snap.decisions) + key_numbers(snap.steps)
