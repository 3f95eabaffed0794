"""A parallel block's children shown together: one line each with its mark, kind and outcome."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


def _outcome(step: Any) -> str:
    """A short line for a child: a prompt's first words, a result's keys, or the error."""
    if step.error:
        return step.error.splitlines()[0][:80]
    result = step.result
    if isinstance(result, dict):
        text = result.get("answer") or result.get("synthesis")
        if isinstance(text, str) and text.strip():
            return " ".join(text.split())[:80]
        return ", ".join(f"{k}={v}" for k, v in list(result.items())[:3] if not isinstance(v, dict | list))[
            :80
        ]
    return "" if result is None else str(result)[:80]


class ParallelView(Static):
    """The children of one ``parallel`` step, in file order (they ran at the same time)."""

    def __init__(self, title: str, children: list[Any]) -> None:
        table = Table(box=None, pad_edge=False, show_header=True, title=f"{title}: ran together")
        for name in ("", "step", "kind", "outcome"):
            table.add_column(name)
        for child in children:
            kind = child.agent or child.tool or child.fn or child.type
            table.add_row(child.mark, child.id, f"{child.type}: {kind}", Text(_outcome(child)))
        super().__init__(table, classes="parallel-view")
        self.table = table  # kept for tests and for anyone reading the rows back
