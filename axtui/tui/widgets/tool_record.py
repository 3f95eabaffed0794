"""What a ``tool`` step did to memory: operation, namespace, key, TTL and the value written."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from axtui.present.format import timestamp, ttl
from axtui.tui.widgets.fit_table import FitTable


def format_ttl(seconds: Any) -> str:
    """A TTL in the one style of the app (``axtui.present.format.ttl``): ``permanent``, ``30 d``, ``6 h``."""
    return ttl(seconds)


def _ttl_seconds(entry: dict[str, Any]) -> float | None:
    """The TTL the write was given: expiry minus the time of the write (None = permanent)."""
    expires, updated = entry.get("expires_at"), entry.get("updated_at")
    if not expires or not updated:
        return None
    try:
        end = datetime.fromisoformat(str(expires).rstrip("Z"))
        start = datetime.fromisoformat(str(updated).rstrip("Z"))
    except ValueError:
        return None
    return round((end - start).total_seconds())


def _short_time(value: Any) -> str:
    """``2026-01-01T13:00:00.123Z`` as ``2026-01-01 13:00 UTC`` (empty when there is none)."""
    return timestamp(value) if value else ""


def tool_records(tool: str, result: Any, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A tool step's result (as the engine stored it) as rows: op, namespace, key, TTL, expiry, value."""
    config = config or {}
    if not isinstance(result, dict):
        return []
    merge = bool(config.get("merge", False))
    if tool == "memory_store":
        return [
            {
                "op": "store" + (" (merge)" if merge else ""),
                "namespace": result.get("namespace"),
                "key": result.get("key"),
                "ttl": _ttl_seconds(result),
                "expires_at": result.get("expires_at"),
                "version": result.get("version"),
                "value": result.get("value"),
            }
        ]
    if tool == "memory_retrieve":
        entry = result.get("entry") or {}
        return [
            {
                "op": "retrieve" + ("" if result.get("found") else " (not found)"),
                "namespace": result.get("namespace"),
                "key": result.get("key"),
                "ttl": _ttl_seconds(entry),
                "expires_at": entry.get("expires_at"),
                "version": entry.get("version"),
                "value": result.get("value"),
            }
        ]
    if tool == "memory_search":
        return [
            {
                "op": f"search hit ({hit.get('score', 0):.2f})",
                "namespace": hit.get("namespace"),
                "key": hit.get("key"),
                "ttl": None,
                "expires_at": None,
                "version": None,
                "value": hit.get("value"),
            }
            for hit in result.get("hits") or []
        ]
    if tool == "memory_delete":
        return [
            {
                "op": "delete" + ("" if result.get("deleted") else " (was absent)"),
                "namespace": result.get("namespace"),
                "key": result.get("key"),
                "ttl": None,
                "expires_at": None,
                "version": None,
                "value": None,
            }
        ]
    return []


class ToolRecordView(VerticalScroll):
    """A clear record of one tool step's memory operations."""

    def __init__(self, tool: str, result: Any, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.tool = tool
        self.rows = tool_records(tool, result, config)
        self.result = result

    def compose(self) -> ComposeResult:
        yield Label(f"Memory operation: [b]{self.tool}[/b]", classes="section-title")
        if not self.rows:
            yield Static(Text("no memory record for this step", style="dim"))
            return
        cells = []
        for row in self.rows:
            ttl_cell = "—" if row["op"].startswith(("search", "delete")) else format_ttl(row["ttl"])
            cells.append(
                [
                    row["op"],
                    ttl_cell,
                    _short_time(row["expires_at"]) or ("never" if ttl_cell != "—" else "—"),
                    row["version"],
                    str(row["namespace"]),
                    str(row["key"]),
                ]
            )
        # TTL, expiry and version are key cells, first: on screen at 80×24 (the key folds or scrolls).
        yield FitTable(
            ["op", "TTL:key", "expires", "version:num", "namespace", "key"], cells, id="tool-table"
        )
        if self.tool == "memory_search":
            query = self.result.get("query") if isinstance(self.result, dict) else ""
            yield Static(f"query: {query} · {len(self.rows)} hit(s)", classes="muted")
        for row in self.rows[:5]:
            payload = row["value"]
            if payload is not None:
                yield Label(f"{row['namespace']}/{row['key']}", classes="muted")
                yield Static(
                    Syntax(
                        json.dumps(payload, indent=2, default=str)[:4000],
                        "json",
                        background_color="default",
                        word_wrap=True,
                    ),
                    classes="result-summary",
                )
