"""One way to write a value for a person, for every front end (CLI tables, TUI result views).

Why one module: the same number used to read "5000" in one table and "3,841" in the next, a
relative lift "0.3144" beside a plot in percent, a TTL "1 y" here and "365 d" there. Every
renderer now calls these functions, so a value looks the same wherever it is shown
(see ``docs/tui.md``, "Numbers and tables").

Pure functions: no Textual, no Rich, no I/O.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

MISSING = "—"
TTL_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number(value: Any, digits: int = 4) -> str:
    """A number with thousands separators: ``5,000``, ``3,841``, ``0.1183``, ``1.2e-40``, ``—``.

    Whole numbers (ints, and floats without a fractional part) print in full with separators;
    other floats keep ``digits`` significant digits, switching to exponent form only where
    fixed notation would lose them (below 0.0001).
    """
    if value is None or isinstance(value, bool):
        return MISSING if value is None else ("yes" if value else "no")
    if not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return MISSING
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 1000:
        whole_digits = len(str(int(magnitude)))
        return f"{value:,.{max(0, digits - whole_digits)}f}"
    if magnitude < 1e-4:
        return f"{value:.{max(1, digits - 2)}g}"
    return f"{value:.{digits}g}"


def signed(value: Any, digits: int = 4) -> str:
    """A difference with its sign: ``+0.018``, ``-3.5``, ``—`` (ASCII signs: output is grepped)."""
    if not _finite(value):
        return MISSING
    text = number(abs(value), digits)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def percent(fraction: Any, digits: int = 1, *, sign: bool = True) -> str:
    """A relative effect as a percentage: ``0.3144`` → ``+31.4%``; ``—`` when missing."""
    if not _finite(fraction):
        return MISSING
    pct = float(fraction) * 100
    text = f"{abs(pct):,.{digits}f}%"
    if not sign:
        return ("-" if pct < 0 else "") + text
    return ("+" if pct > 0 else "-" if pct < 0 else "") + text


def pvalue(value: Any) -> str:
    """A p-value: three significant digits, ``< 0.0001`` below that (more digits mean nothing)."""
    if not _finite(value):
        return MISSING
    if value < 1e-4:
        return "< 0.0001"
    return f"{value:.3g}"


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """A confidence interval ``[0.006, 0.030]``; ``—`` when either end is missing."""
    if not (_finite(low) and _finite(high)):
        return MISSING
    return f"[{number(low, digits)}, {number(high, digits)}]"


def duration(seconds: float, *, units: int = 2) -> str:
    """A duration, rounded down, in at most ``units`` units: ``90 d``, ``5 d 23 h``, ``1 min 30 s``.

    Days are the largest unit; below 10 of the largest the next unit is added when it is not
    zero. Rounding down means an expiry is never shown later than it really is.
    """
    total = int(abs(float(seconds)))
    for index, (unit, size) in enumerate(TTL_UNITS):
        if total >= size:
            whole, rest = divmod(total, size)
            text = f"{whole} {unit}"
            if units > 1 and whole < 10 and index + 1 < len(TTL_UNITS):
                small_unit, small_size = TTL_UNITS[index + 1]
                part = rest // small_size
                if part:
                    text += f" {part} {small_unit}"
            return text
    return "0 s"


def ttl(seconds: Any) -> str:
    """A time to live, the one style everywhere: ``permanent``, ``365 d``, ``6 h``, ``45 min``, ``30 s``.

    Days are the largest unit (no years, months or weeks: "365 d" is what namespaces declare);
    a remainder in the next unit is added below 10 of the largest (``1 d 12 h``), rounding down.
    """
    if seconds in (None, "", "permanent"):
        return "permanent"
    try:
        return duration(float(seconds))
    except (TypeError, ValueError):
        return str(seconds)


def timestamp(value: Any) -> str:
    """``2026-01-01T13:00:00.123Z`` (or a datetime) as ``2026-01-01 13:00 UTC``; ``—`` when missing."""
    if value in (None, ""):
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value).replace("T", " ")[:16] + " UTC"


def cell(value: Any, digits: int = 4) -> str:
    """Any value for a table cell: numbers by ``number``, ``—`` for missing, containers as JSON."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool | int | float):
        return number(value, digits)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def is_numeric(value: Any) -> bool:
    """True for numbers (not bools): such columns are right-aligned and sized to their content."""
    return isinstance(value, int | float) and not isinstance(value, bool)


# Words written differently from their id: ``mde`` → ``MDE``, ``ab`` → ``A/B``.
WORDS = {
    "ab": "A/B",
    "mde": "MDE",
    "id": "ID",
    "ids": "IDs",
    "psi": "PSI",
    "ks": "KS",
    "ml": "ML",
    "mlops": "MLOps",
    "llm": "LLM",
    "api": "API",
    "url": "URL",
    "ttl": "TTL",
    "ci": "CI",
    "csv": "CSV",
    "json": "JSON",
    "kpi": "KPI",
    "auc": "AUC",
    "roc": "ROC",
    "pr": "PR",
    "srm": "SRM",
    "sla": "SLA",
    "slo": "SLO",
    "gpu": "GPU",
    "cpu": "CPU",
    "pct": "%",
    "h0": "H0",
    "h1": "H1",
    "p99": "p99",
    "utc": "UTC",
}


def label(name: str, given: str | None = None) -> str:
    """A field's label: its ``label:`` attribute, else its id made readable.

    ``ab_primary_metric`` → ``A/B primary metric``, ``mde`` → ``MDE``, ``error_threshold`` →
    ``Error threshold`` (not "Ab primary metric" / "Mde").
    """
    if given:
        return given
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name
    out = [WORDS.get(w.lower(), w.lower()) for w in words]
    first = out[0]
    if first == words[0].lower():
        out[0] = first[:1].upper() + first[1:]
    return " ".join(out)


def markdown_literal(text: str) -> str:
    """Text for a Markdown widget with ``<...>`` kept visible (escaped), except inside code.

    Markdown treats ``<name>`` as an HTML tag and drops it, so "runs named <prefix>--" read
    "runs named --". Code spans and fenced blocks are left alone: they show ``<`` as is.
    """
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            out.append(line)
            continue
        if fenced:
            out.append(line)
            continue
        parts = line.split("`")
        for i in range(0, len(parts), 2):  # even parts are outside code spans
            parts[i] = parts[i].replace("<", "\\<")
        out.append("`".join(parts))
    return "\n".join(out)
