"""Facts as text: every value is rendered digit-for-digit as it appears in the JSON facts block,
so an answer never holds a number that axtui did not compute (or the user did not type)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DECISION_KEYS = (
    "decision",
    "recommendation",
    "verdict",
    "go_no_go",
    "alert_level",
    "status",
    "outcome",
    "action",
    "severity",
)
REASON_KEYS = ("decision_reason", "reason", "reasoning", "explanation", "why")
RULE_KEYS = ("decision_rule", "rule")
INPUT_KEYS = ("inputs", "decision_inputs")
# Columns shown first when a list of records becomes a table (the rest are left to the result view).
RECORD_PRIORITY = (
    "name",
    "metric",
    "feature",
    "column",
    "check",
    "arm",
    "group",
    "decision",
    "verdict",
    "status",
    "result",
    "passed",
    "severity",
    "test",
    "method",
    "p_value",
    "significant",
    "relative_lift",
    "abs_diff",
    "psi",
    "drifted",
    "reason",
)
MAX_RECORD_COLUMNS = 7
MAX_KEY_NUMBERS = 20


def render_value(value: Any) -> str:
    """A fact value as text, digit-for-digit as it appears in the JSON facts block."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def flatten(facts: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested facts as (dotted path, leaf value); lists of dicts stay whole (rendered as tables)."""
    out: list[tuple[str, Any]] = []
    for key, value in facts.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.extend(flatten(value, path))
        else:
            out.append((path, value))
    return out


def nodes(facts: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, value) in the facts, nested mappings included as well as their leaves."""
    out: list[tuple[str, Any]] = []
    for key, value in facts.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        out.append((path, value))
        if isinstance(value, dict):
            out.extend(nodes(value, path))
    return out


def is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _record_columns(rows: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    if len(keys) <= MAX_RECORD_COLUMNS:
        return keys
    ranked = [k for k in RECORD_PRIORITY if k in keys]
    ranked += [k for k in keys if k not in ranked]
    chosen = set(ranked[:MAX_RECORD_COLUMNS])
    return [k for k in keys if k in chosen]


def record_table(rows: list[dict[str, Any]]) -> list[str]:
    """A Markdown table of records: the columns a reader needs first when there are many."""
    headers = _record_columns(rows)
    lines = [
        "| " + " | ".join(render_value(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(render_value(row[h]) if h in row else "" for h in headers) + " |")
    return lines


def facts_table(pairs: list[tuple[str, Any]]) -> list[str]:
    """Scalar facts as a two-column table, then each list of records as a table of its own."""
    lines = ["| Fact | Value |", "|---|---|"]
    records: list[tuple[str, Any]] = []
    for path, value in pairs:
        if is_record_list(value):
            records.append((path, value))
            continue
        lines.append(f"| {render_value(path)} | {render_value(value)} |")
    if len(lines) == 2:
        lines = []
    for path, value in records:
        lines.extend(["", f"**{render_value(path)}**", "", *record_table(value)])
    return lines


@dataclass
class Decision:
    """A computed verdict with what explains it: its reason and the rule (and inputs) that fired."""

    path: str
    value: Any
    reason: str | None = None
    rule: Any = None
    inputs: dict[str, Any] = field(default_factory=dict)
    confidence: Any = None
    confidence_rule: Any = None
    used: set[str] = field(default_factory=set)  # fact paths this decision already states

    @property
    def source(self) -> str:
        parent = self.path.rsplit(".", 1)[0] if "." in self.path else ""
        return parent

    def lines(self) -> list[str]:
        label = render_value(self.path)
        head = f"**{label}: {render_value(self.value)}**"
        if self.reason:
            head += f" — {render_value(self.reason)}"
        out = [head]
        rule = rule_text(self.rule, said=self.reason)
        if rule:
            out.append(f"  Rule that fired: {rule}.")
        inputs = self.inputs or (self.rule.get("inputs") if isinstance(self.rule, dict) else None) or {}
        shown = ", ".join(f"{k} = {render_value(v)}" for k, v in inputs.items() if _scalar(v))
        if shown:
            out.append(f"  From: {shown}.")
        if self.confidence is not None:
            why = rule_text(self.confidence_rule)
            out.append(f"  Confidence: {render_value(self.confidence)}" + (f" — {why}." if why else "."))
        return out


def rule_text(rule: Any, said: str | None = None) -> str:
    """A decision rule as a sentence: its own text (unless ``said`` already) and its row name."""
    if rule in (None, "", {}):
        return ""
    if not isinstance(rule, dict):
        text = render_value(rule)
        return "" if text == said else text
    text = rule.get("text") or rule.get("description")
    row, table = rule.get("row"), rule.get("table")
    where = f"row `{render_value(row)}`" if row else ""
    if where and table:
        where += f" of the `{render_value(table)}` table"
    if text and text != said:
        return render_value(text) + (f" ({where})" if where else "")
    if where:
        return where
    return ", ".join(f"{k} = {render_value(v)}" for k, v in rule.items() if _scalar(v) and k != "text")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float) or value is None


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if key in mapping and mapping[key] not in (None, ""):
            return key, mapping[key]
    return None, None


def decisions(facts: dict[str, Any]) -> list[Decision]:
    """Every decision-like leaf in the facts, with the reason, rule and inputs stored beside it."""
    found: list[Decision] = []
    for path, value in nodes(facts):
        if not isinstance(value, dict):
            continue
        found.extend(_decisions_in(path, value))
    found.extend(_decisions_in("", facts))
    seen: set[str] = set()
    unique = []
    for d in found:
        if d.path not in seen:
            seen.add(d.path)
            unique.append(d)
    return unique


def _decisions_in(prefix: str, mapping: dict[str, Any]) -> list[Decision]:
    out = []
    join = (lambda k: f"{prefix}.{k}") if prefix else (lambda k: k)
    for key, value in mapping.items():
        if key.lower() not in DECISION_KEYS or not _scalar(value) or value in ("", None):
            continue
        d = Decision(path=join(key), value=value, used={join(key)})
        reason_key, reason = _first(mapping, REASON_KEYS)
        if isinstance(reason, str) and reason_key != key:
            d.reason = reason
            d.used.add(join(reason_key))
        rule_key, rule = _first(mapping, RULE_KEYS)
        if rule_key:
            d.rule = rule
            d.used |= {p for p, _ in flatten({rule_key: rule}, prefix)} | {join(rule_key)}
        inputs_key, inputs = _first(mapping, INPUT_KEYS)
        if isinstance(inputs, dict):
            d.inputs = inputs
            d.used |= {p for p, _ in flatten({inputs_key: inputs}, prefix)}
        if _scalar(mapping.get("confidence")) and mapping.get("confidence") is not None:
            d.confidence = mapping["confidence"]
            d.confidence_rule = mapping.get("confidence_rule")
            d.used |= {join("confidence")} | {
                p for p, _ in flatten({"confidence_rule": d.confidence_rule}, prefix)
            }
        out.append(d)
    return out


def key_numbers(pairs: list[tuple[str, Any]], used: set[str]) -> list[tuple[str, Any]]:
    """The facts worth a table: not already stated with a decision, and each (name, value) once."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, Any]] = []
    for path, value in pairs:
        leaf = path.rsplit(".", 1)[-1]
        ident = (leaf, json.dumps(value, sort_keys=True, default=str))
        if path in used or ident in seen:
            seen.add(ident)
            continue
        seen.add(ident)
        out.append((path, value))
    scalars = [p for p in out if not is_record_list(p[1])][:MAX_KEY_NUMBERS]
    return scalars + [p for p in out if is_record_list(p[1])]
