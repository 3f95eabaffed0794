"""Computations the engine itself provides to workflows, beside the statistics registry.

They turn form answers into the things a report needs without a model guessing:
quality checks evaluated with the condition language, handoff rules, tables of
records typed as ``a | b | c`` lines, value lookups and the A/B test duration.
Each takes the step's raw ``args`` and a context that renders templates and
evaluates conditions against the session's variables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from axtui.core.workflow.conditions import parse_condition, truthy
from axtui.core.workflow.templates import render, to_text
from axtui.errors import InputError


@dataclass
class BuiltinContext:
    variables: Mapping[str, Any]
    step_id: str

    def render(self, value: Any) -> Any:
        return render(value, self.variables, step_id=self.step_id)

    def holds(self, condition: Any) -> bool:
        return truthy(parse_condition(condition).evaluate(self.variables, step_id=self.step_id))


def _cell(value: Any) -> str:
    text = to_text(value)
    return text.replace("|", "\\|").replace("\n", " ").strip() or "—"


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-style Markdown table; pipes and newlines inside cells are escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _need_list(args: Mapping[str, Any], key: str, step_id: str) -> list[Any]:
    value = args.get(key)
    if not isinstance(value, list):
        raise InputError(f"args.{key} must be a list", where=f"step {step_id}")
    return value


def checks(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """Evaluate each ``{id, title, condition, pass, fail}``: the outcome and the reason text for it."""
    results = []
    for i, item in enumerate(_need_list(args, "checks", ctx.step_id)):
        if not isinstance(item, Mapping) or "condition" not in item:
            raise InputError(f"args.checks[{i}] needs a condition", where=f"step {ctx.step_id}")
        passed = ctx.holds(item["condition"])
        reason = ctx.render(item.get("pass" if passed else "fail", ""))
        results.append(
            {
                "id": item.get("id", str(i + 1)),
                "title": ctx.render(item.get("title", f"check {i + 1}")),
                "passed": passed,
                "reason": to_text(reason),
            }
        )
    n_pass = sum(r["passed"] for r in results)
    table = markdown_table(
        ["#", "Check", "Result", "Reason"],
        [[i + 1, r["title"], "PASS" if r["passed"] else "FAIL", r["reason"]] for i, r in enumerate(results)],
    )
    return {
        "results": results,
        "passed": n_pass,
        "failed": len(results) - n_pass,
        "total": len(results),
        "all_passed": n_pass == len(results),
        "markdown": table,
    }


def rules(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """The texts of every ``{when, text}`` whose condition holds (e.g. the skill's handoffs)."""
    items = []
    for i, item in enumerate(_need_list(args, "rules", ctx.step_id)):
        if not isinstance(item, Mapping) or "when" not in item or "text" not in item:
            raise InputError(f"args.rules[{i}] needs `when` and `text`", where=f"step {ctx.step_id}")
        if ctx.holds(item["when"]):
            items.append(to_text(ctx.render(item["text"])))
    empty = to_text(ctx.render(args.get("empty", "None.")))
    markdown = "\n".join(f"- {text}" for text in items) if items else empty
    return {"items": items, "count": len(items), "markdown": markdown}


def records(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """Rows typed as ``a | b | c`` lines (or mappings) as records with named columns, plus a table."""
    rendered = ctx.render(dict(args))
    columns = rendered.get("columns")
    if not isinstance(columns, list) or not columns:
        raise InputError("args.columns must be a non-empty list of column names", where=f"step {ctx.step_id}")
    columns = [str(c) for c in columns]
    titles = rendered.get("titles") or [c.replace("_", " ").capitalize() for c in columns]
    sep = str(rendered.get("sep", "|"))
    raw_rows = rendered.get("rows") or []
    if isinstance(raw_rows, str):
        raw_rows = [line for line in raw_rows.splitlines() if line.strip()]
    if not isinstance(raw_rows, list):
        raise InputError("args.rows must be a list", where=f"step {ctx.step_id}")
    rows: list[dict[str, Any]] = []
    for raw in raw_rows:
        if isinstance(raw, Mapping):
            row = {c: raw.get(c) for c in columns}
        else:
            parts = [p.strip() for p in str(raw).split(sep)]
            parts += [""] * (len(columns) - len(parts))
            row = {c: parts[i] for i, c in enumerate(columns)}
            if len(parts) > len(columns):  # extra separators belong to the last column
                row[columns[-1]] = sep.join(parts[len(columns) - 1 :]).strip()
        rows.append(row)
    missing = {c: sum(1 for r in rows if r[c] in (None, "")) for c in columns}
    table = markdown_table(list(titles), [[r[c] for c in columns] for r in rows])
    return {"rows": rows, "count": len(rows), "missing": missing, "markdown": table}


def values(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """The rendered args themselves: how a workflow names derived values (ids, labels)."""
    return dict(ctx.render(dict(args)))


def lookup_value(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """Map a value through a table (text keys compared case-insensitively), else ``default``."""
    rendered = ctx.render(dict(args))
    table = rendered.get("table")
    if not isinstance(table, Mapping):
        raise InputError("args.table must be a mapping", where=f"step {ctx.step_id}")
    key = rendered.get("value")
    for k, v in table.items():
        if k == key or (isinstance(key, str) and str(k).lower() == key.lower()):
            return {"value": v, "matched": True}
    if "default" not in rendered:
        raise InputError(
            f"{key!r} is not in the lookup table and there is no default", where=f"step {ctx.step_id}"
        )
    return {"value": rendered["default"], "matched": False}


def ab_duration(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """Days an A/B test needs: each arm must reach ``per_variant`` users at its share of daily traffic."""
    a = ctx.render(dict(args))
    try:
        per_variant = float(a["per_variant"])
        daily = float(a["daily_traffic"])
        treatment = float(a.get("treatment_share", 0.5))
        control = float(a.get("control_share", 1 - treatment if treatment <= 1 else 100 - treatment))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"ab_duration needs numeric per_variant, daily_traffic, treatment_share: {exc}",
            where=f"step {ctx.step_id}",
        ) from exc
    if treatment > 1 or control > 1:  # percentages
        treatment, control = treatment / 100, control / 100
    if daily <= 0 or not 0 < treatment <= 1 or not 0 < control <= 1:
        raise InputError(
            "daily_traffic must be > 0 and the traffic shares in (0, 1] (or (0, 100] percent)",
            where=f"step {ctx.step_id}",
        )
    try:
        ramp_days = int(a.get("ramp_days") or 0)
    except (TypeError, ValueError) as exc:
        raise InputError("ramp_days must be a whole number of days", where=f"step {ctx.step_id}") from exc
    if ramp_days < 0:
        raise InputError("ramp_days must be 0 or more", where=f"step {ctx.step_id}")
    days = math.ceil(max(per_variant / (daily * treatment), per_variant / (daily * control)))
    # Ramp-up days (burn-in, early signal) are not counted toward the sample: the
    # full-traffic phase starts after them and lasts ``days``.
    out = {
        "days": days,
        "weeks": round(days / 7, 1),
        "per_variant": int(per_variant),
        "daily_control": daily * control,
        "daily_treatment": daily * treatment,
        "ramp_days": ramp_days,
        "full_test_first_day": ramp_days + 1,
        "full_test_last_day": ramp_days + days,
        "total_days": ramp_days + days,
    }
    start = a.get("start_date") or a.get("today")
    if start:
        import datetime as dt

        try:
            first = dt.date.fromisoformat(str(start)[:10])
        except ValueError as exc:
            raise InputError(
                f"start_date must be YYYY-MM-DD, got {start!r}", where=f"step {ctx.step_id}"
            ) from exc
        out["start_date"] = first.isoformat()
        out["end_date"] = (first + dt.timedelta(days=ramp_days + days)).isoformat()
    return out


def select(args: Mapping[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    """The items of a list of records whose ``field`` equals ``equals`` (text compared case-insensitively)."""
    a = ctx.render(dict(args))
    items = a.get("items")
    if not isinstance(items, list):
        raise InputError("args.items must be a list", where=f"step {ctx.step_id}")
    field_name, wanted = a.get("field"), a.get("equals")

    def same(value: Any) -> bool:
        if isinstance(value, str) and isinstance(wanted, str):
            return value.lower() == wanted.lower()
        return value == wanted

    chosen = [i for i in items if isinstance(i, Mapping) and same(i.get(field_name))]
    return {"items": chosen, "count": len(chosen)}


BUILTINS: dict[str, Callable[[Mapping[str, Any], BuiltinContext], dict[str, Any]]] = {
    "checks": checks,
    "rules": rules,
    "records": records,
    "values": values,
    "lookup": lookup_value,
    "ab_duration": ab_duration,
    "select": select,
}

# Args of these builtins hold conditions (variable paths without braces) under these keys.
CONDITION_ARGS = {"checks": ("checks", "condition"), "rules": ("rules", "when")}
