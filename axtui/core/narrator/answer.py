"""Putting an offline answer together.

A first answer leads with the computed decision and the rule that fired, then the step's key
numbers (each once), how the tests were chosen, the task's own tables (filled from the facts, or
the decision table with this session's row marked), the next actions the task lists for that
decision, and the task's questions no fact answers yet. A follow-up answers from the facts that
bear on the question (which test was used and why) instead of repeating them all. Persona style
rules ("use Markdown tables") are never echoed as advice.
"""

from __future__ import annotations

from typing import Any

from axtui.core.narrator import methods
from axtui.core.narrator.facts import (
    RECORD_PRIORITY,
    Decision,
    decisions,
    facts_table,
    flatten,
    is_record_list,
    key_numbers,
    render_value,
    rule_text,
)
from axtui.core.narrator.messages import OfflineContext, content, parse_messages
from axtui.core.narrator.task import (
    condition_rows,
    decision_rows,
    fill_table,
    mark_decision_table,
    next_actions,
    placeholder,
    row_fits,
    table_blocks,
    task_questions,
    tokens,
)

LABEL = "_offline answer (axtui/offline)_"
MAX_RELEVANT = 12
# Words of persona lines that are about how to write, not about the problem.
_STYLE_WORDS = frozenset(
    [
        "markdown",
        "table",
        "format",
        "formatting",
        "tone",
        "concise",
        "bullet",
        "respond",
        "response",
        "reply",
        "heading",
        "headings",
        "style",
        "emoji",
        "verbose",
        "brief",
    ]
)
_METHOD_KEYS = ("test", "method", "ci_method")

# Question words and the fact keys that answer them although they share no word.
_ANSWERED_BY = {
    "significant": {"p_value", "pvalue", "significant", "significance"},
    "significance": {"p_value", "pvalue", "significant", "significance"},
    "confidence": {"ci", "ci95", "confidence_interval"},
    "interval": {"ci", "ci95", "confidence_interval"},
    "recommendation": {"decision", "recommendation", "verdict"},
    "recommend": {"decision", "recommendation", "verdict"},
    "drift": {"alert_level", "drifted", "psi"},
    "sample": {"per_variant", "sample_size", "total"},
}


def narrate(messages: list[dict[str, Any]]) -> str:
    """The deterministic answer for these messages."""
    ctx = parse_messages(messages)
    facts = ctx.facts or {}
    pairs = flatten(facts) if facts else []
    found = decisions(facts)
    lines = [_label(ctx), ""]
    if ctx.follow_up:
        lines += _follow_up(ctx, pairs, found)
    else:
        lines += _first_answer(ctx, facts, pairs, found)
    return "\n".join(lines).rstrip() + "\n"


def _label(ctx: OfflineContext) -> str:
    who = f"{ctx.name}, {ctx.role}" if ctx.role else ctx.name
    return (
        f"{LABEL} — {who}. Built from the task and the facts axtui computed, without a language "
        "model; configure one with `--model` for a written analysis."
    )


# -- a first answer ---------------------------------------------------------------------


def _first_answer(
    ctx: OfflineContext, facts: dict[str, Any], pairs: list[tuple[str, Any]], found: list[Decision]
) -> list[str]:
    lines: list[str] = []
    if found:
        lines += ["### Decision", ""]
        for d in found:
            lines += [*d.lines(), ""]
    used = set().union(*(d.used for d in found)) if found else set()
    numbers = key_numbers(pairs, used)
    if numbers:
        lines += ["### Key numbers", "", *facts_table(numbers), ""]
    lines += _methods_used(pairs)
    lines += _task_tables(ctx.task, pairs, facts, found)
    lines += _next_steps(ctx.task, found)
    open_questions = [q for q in task_questions(ctx.task) if not _answered(q, pairs, [])]
    if open_questions:
        lines += ["### Still to answer", "", *[f"- {render_value(q)}" for q in open_questions], ""]
    if not ctx.task:
        lines += _guidance(ctx, strict=False)
    if not pairs:
        lines += ["_No computed facts were handed to this answer, so it states no numbers._", ""]
    return lines


def _methods_used(pairs: list[tuple[str, Any]]) -> list[str]:
    """One line per distinct test in the facts: what it is and why it was the one used."""
    seen: dict[str, list[str]] = {}
    for path, value in pairs:
        for subject, method in _methods_at(path, value):
            if methods.explain(method) and subject not in seen.setdefault(str(method), []):
                seen[str(method)].append(subject)
    if not seen:
        return []
    out = ["### How the tests were chosen", ""]
    for method, subjects in seen.items():
        what = ", ".join(render_value(s) for s in subjects)
        out.append(f"- {what}: `{render_value(method)}` — {methods.explain(method)}.")
    return [*out, ""]


def _methods_at(path: str, value: Any) -> list[tuple[str, Any]]:
    if is_record_list(value):
        out = []
        for row in value:
            subject = next((row[k] for k in ("metric", "name", "column", "feature") if k in row), path)
            out += [(str(subject), row[k]) for k in _METHOD_KEYS[:2] if k in row]
        return out
    leaf = path.rsplit(".", 1)[-1]
    if leaf in _METHOD_KEYS[:2]:
        return [(path.rsplit(".", 1)[0] if "." in path else path, value)]
    return []


def _task_tables(
    task: str, pairs: list[tuple[str, Any]], facts: dict[str, Any], found: list[Decision]
) -> list[str]:
    lines: list[str] = []
    verdicts = {str(d.value) for d in found}
    for heading, rows in table_blocks(task):
        named = decision_rows(rows, verdicts)
        if named:
            lines += [*_decision_table(heading, rows, named, found), ""]
        elif any(placeholder(c) for cells in rows[2:] for c in cells):
            lines += [*fill_table(heading, rows, pairs, facts), ""]
    return lines


def _decision_table(
    heading: str, rows: list[list[str]], named: list[int], found: list[Decision]
) -> list[str]:
    """The task's decision table with this session's row marked, never a row its inputs contradict.

    A row that names the verdict but whose conditions disagree with the computed inputs (the task's
    "No significance -> EXTEND" for a significant but underpowered test) is not this session's row;
    then the row matching the conditions is marked, and a sentence says which of axtui's rules
    decided first.
    """
    inputs: dict[str, Any] = {}
    for d in found:
        inputs.update(d.inputs or (d.rule.get("inputs") if isinstance(d.rule, dict) else None) or {})
    fits = [i for i in named if row_fits(rows[0], rows[i], inputs)]
    if fits or not inputs:
        return mark_decision_table(heading, rows, fits or named)
    named_words = set().union(*(tokens(c) for i in named for c in rows[i]))
    decided = next((d for d in found if str(d.value) in named_words), found[0])
    verdict = render_value(decided.value)
    marked = mark_decision_table(
        heading, rows, condition_rows(rows, inputs), f"this session's conditions (decided {verdict})"
    )
    why = rule_text(decided.rule) or render_value(decided.reason or "")
    note = (
        f"No row of this table decides this session as a whole: {verdict} came from an earlier rule"
        + (f", {why}" if why else "")
        + ", which this table does not list (docs/statistics.md)."
    )
    return [*marked, "", note]


def _next_steps(task: str, found: list[Decision]) -> list[str]:
    lines: list[str] = []
    for d in found:
        if not isinstance(d.value, str):
            continue
        actions, meaning = next_actions(task, d.value)
        if meaning:
            lines += [f"**What {render_value(d.value)} means here:** " + "; ".join(meaning), ""]
        if actions:
            lines += [f"### Next steps for {render_value(d.value)}", "", *[f"- {a}" for a in actions], ""]
    return lines


def _answered(question: str, pairs: list[tuple[str, Any]], answers: list[str]) -> bool:
    words = content(question)
    lasts = {path.rsplit(".", 1)[-1].lower() for path, _ in pairs}
    if any(lasts & _ANSWERED_BY.get(word, set()) for word in words):
        return True
    for path, _ in pairs:
        key = content(path.rsplit(".", 1)[-1].replace("_", " "))
        if key and (key <= words or len(key & words) >= 2):
            return True
    return any(len(words & content(a)) >= 2 and len(content(a)) > 2 for a in answers)


# -- a follow-up --------------------------------------------------------------------------


def _follow_up(ctx: OfflineContext, pairs: list[tuple[str, Any]], found: list[Decision]) -> list[str]:
    lines = [f"**Your question:** {render_value(ctx.question)}", ""]
    wanted = content(ctx.question)
    records = _relevant_records(pairs, wanted)
    scalars = _relevant_scalars(pairs, wanted)
    if records or scalars:
        lines += ["### Facts that bear on it", ""]
        lines += records
        if scalars:
            lines += ([""] if records else []) + facts_table(scalars)
        lines.append("")
    elif pairs:
        names = sorted({p.split(".", 1)[0] for p, _ in pairs})
        lines += [
            "No computed fact matches this question directly. The facts available are: "
            + ", ".join(render_value(n) for n in names)
            + ". Ask about one of them by name.",
            "",
        ]
    else:
        lines += ["No computed facts were handed to this conversation.", ""]
    if found:
        stated = "; ".join(f"**{render_value(d.value)}** ({render_value(d.path)})" for d in found)
        lines += [f"The computed decision stands: {stated}.", ""]
    lines += _guidance(ctx, strict=bool(pairs or ctx.task))
    return lines


def _relevant_records(pairs: list[tuple[str, Any]], wanted: set[str]) -> list[str]:
    """Rows of result tables that the question names (a metric, a column), with how they were tested."""
    lines = []
    for path, value in pairs:
        if not is_record_list(value):
            continue
        for row in value:
            names = {str(v) for v in row.values() if isinstance(v, str)}
            if not any(content(n) & wanted for n in names) and not (content(path) & wanted):
                continue
            lines.append(_record_line(path, row))
    return lines[:MAX_RELEVANT]


def _record_line(path: str, row: dict[str, Any]) -> str:
    subject = next((row[k] for k in ("metric", "name", "column", "feature", "check") if k in row), path)
    shown = [k for k in RECORD_PRIORITY if k in row and row[k] != subject][:8]
    parts = [f"{k} = {render_value(row[k])}" for k in shown]
    line = f"- **{render_value(subject)}** ({render_value(path)}): " + ", ".join(parts)
    why = next(
        (methods.explain(row[k]) for k in _METHOD_KEYS[:2] if k in row and methods.explain(row[k])), None
    )
    return line + (f". Test: {why}." if why else ".")


def _relevant_scalars(pairs: list[tuple[str, Any]], wanted: set[str]) -> list[tuple[str, Any]]:
    out = []
    for path, value in pairs:
        if is_record_list(value):
            continue
        path_words = content(path.replace("_", " ").replace(".", " "))
        if wanted & path_words or (isinstance(value, str) and wanted & content(value)):
            out.append((path, value))
    return out[:MAX_RELEVANT]


def _guidance(ctx: OfflineContext, *, strict: bool, limit: int = 6) -> list[str]:
    """The persona's own lines that bear on the question; never its writing-style rules. With a
    task or facts at hand (``strict``) only lines sharing two or more words with the question."""
    wanted = content(ctx.question) | (set() if ctx.follow_up or strict else content(ctx.task))
    scored = []
    for n, line in enumerate(ctx.guidance):
        words = content(line)
        if words & _STYLE_WORDS or tokens(line) & {"Markdown"}:
            continue
        overlap = len(wanted & words)
        if overlap:
            scored.append((-overlap, n, line))
    strong = [item for item in scored if -item[0] >= 2]
    if strict:
        chosen = sorted(strong)[:3]
    else:
        chosen = sorted(strong)[:limit] if strong else sorted(scored)[: max(1, limit // 2)]
    if not chosen:
        return []
    return [f"### How {ctx.name} approaches this", "", *[f"- {line}" for _, _, line in chosen], ""]
