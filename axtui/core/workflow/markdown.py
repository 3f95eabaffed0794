"""Markdown tables for reports and compute results (one cell format: pipes escaped, empty as '—')."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.templates import to_text


def _cell(value: Any) -> str:
    text = to_text(value)
    return text.replace("|", "\\|").replace("\n", " ").strip() or "—"


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-style Markdown table; pipes and newlines inside cells are escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
