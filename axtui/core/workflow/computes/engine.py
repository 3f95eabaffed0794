"""Computes the engine provides over form answers: checks, rules, records, values, lookups, selections.

They turn answers into what a report needs without a model guessing: quality
checks evaluated with the condition language, handoff rules, tables of records
typed as ``a | b | c`` lines, derived values and lookups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axtui.core.workflow.computes.catalogue import ComputeContext, compute
from axtui.core.workflow.markdown import markdown_table
from axtui.core.workflow.templates import to_text
from axtui.errors import InputError


def _need_list(value: Any, key: str, step_id: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"args.{key} must be a list", where=f"step {step_id}")
    return value


@compute("checks", raw=True, condition_args=("checks", "condition"))
def checks(checks: Any, ctx: ComputeContext) -> dict[str, Any]:
    """Quality checks: each ``{id, title, condition, pass, fail}`` evaluated, with its reason text."""
    results = []
    for i, item in enumerate(_need_list(checks, "checks", ctx.step_id)):
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


@compute("rules", raw=True, condition_args=("rules", "when"))
def rules(rules: Any, ctx: ComputeContext, empty: Any = "None.") -> dict[str, Any]:
    """The texts of every ``{when, text}`` whose condition holds (e.g. a skill's handoffs)."""
    items = []
    for i, item in enumerate(_need_list(rules, "rules", ctx.step_id)):
        if not isinstance(item, Mapping) or "when" not in item or "text" not in item:
            raise InputError(f"args.rules[{i}] needs `when` and `text`", where=f"step {ctx.step_id}")
        if ctx.holds(item["when"]):
            items.append(to_text(ctx.render(item["text"])))
    markdown = "\n".join(f"- {text}" for text in items) if items else to_text(ctx.render(empty))
    return {"items": items, "count": len(items), "markdown": markdown}


def _record(raw: Any, columns: list[str], sep: str) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return {c: raw.get(c) for c in columns}
    parts = [p.strip() for p in str(raw).split(sep)]
    parts += [""] * (len(columns) - len(parts))
    row = {c: parts[i] for i, c in enumerate(columns)}
    if len(parts) > len(columns):  # extra separators belong to the last column
        row[columns[-1]] = sep.join(parts[len(columns) - 1 :]).strip()
    return row


@compute("records")
def records(
    columns: Any, ctx: ComputeContext, rows: Any = None, titles: Any = None, sep: str = "|"
) -> dict[str, Any]:
    """Rows typed as ``a | b | c`` lines (or mappings) as records with named columns, plus a table."""
    if not isinstance(columns, list) or not columns:
        raise InputError("args.columns must be a non-empty list of column names", where=f"step {ctx.step_id}")
    names = [str(c) for c in columns]
    heads = titles or [c.replace("_", " ").capitalize() for c in names]
    raw_rows = rows or []
    if isinstance(raw_rows, str):
        raw_rows = [line for line in raw_rows.splitlines() if line.strip()]
    if not isinstance(raw_rows, list):
        raise InputError("args.rows must be a list", where=f"step {ctx.step_id}")
    out = [_record(raw, names, sep) for raw in raw_rows]
    missing = {c: sum(1 for r in out if r[c] in (None, "")) for c in names}
    table = markdown_table(list(heads), [[r[c] for c in names] for r in out])
    return {"rows": out, "count": len(out), "missing": missing, "markdown": table}


@compute("values")
def values(**given: Any) -> dict[str, Any]:
    """The rendered arguments themselves: how a workflow names derived values (ids, labels)."""
    return dict(given)


_NO_DEFAULT = object()


@compute("lookup")
def lookup(table: Any, ctx: ComputeContext, value: Any = None, default: Any = _NO_DEFAULT) -> dict[str, Any]:
    """Map a value through a table (text keys compared case-insensitively), else ``default``."""
    if not isinstance(table, Mapping):
        raise InputError("args.table must be a mapping", where=f"step {ctx.step_id}")
    for k, v in table.items():
        if k == value or (isinstance(value, str) and str(k).lower() == value.lower()):
            return {"value": v, "matched": True}
    if default is _NO_DEFAULT:
        raise InputError(
            f"{value!r} is not in the lookup table and there is no default", where=f"step {ctx.step_id}"
        )
    return {"value": default, "matched": False}


@compute("select")
def select(items: Any, ctx: ComputeContext, field: Any = None, equals: Any = None) -> dict[str, Any]:
    """The items of a list of records whose ``field`` equals ``equals`` (text compared case-insensitively)."""
    if not isinstance(items, list):
        raise InputError("args.items must be a list", where=f"step {ctx.step_id}")

    def same(found: Any) -> bool:
        if isinstance(found, str) and isinstance(equals, str):
            return found.lower() == equals.lower()
        return found == equals

    chosen = [i for i in items if isinstance(i, Mapping) and same(i.get(field))]
    return {"items": chosen, "count": len(chosen)}
