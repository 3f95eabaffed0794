"""The ``axtui/offline`` provider: deterministic answers without a language model.

It reads the same messages a real model would get (see :func:`axtui.core.chat.build_messages`):
the persona's system prompt, the step's task and a fenced JSON block of computed facts, then the
conversation. From those it writes a useful, clearly labelled answer:

* the computed decisions and numbers, restated exactly as given (values are rendered with the
  same JSON encoding as the facts block, so every digit in the answer is a digit of the facts or
  of the user's own text; it never does arithmetic and never invents a number);
* the Markdown tables the task asks for, filled from the facts (form values, computed results)
  where a fact matches a row and column, and marked "to answer" where none does;
* the task's questions that no fact answers yet;
* for a follow-up question, the facts that bear on it, and the persona's own guidance lines
  that share words with it.

The text functions here have no LiteLLM dependency (the batch replay path can call them
directly); :func:`register` installs :class:`OfflineProvider` into LiteLLM as provider ``axtui``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

OFFLINE_MODEL = "axtui/offline"
PROVIDER = "axtui"
TASK_HEADING = "## Current task"
FACTS_HEADING = "## Facts (computed by axtui)"
CHUNK_CHARS = 24
LABEL = "_offline answer (axtui/offline)_"
TO_ANSWER = "_(to answer)_"

_DECISION_KEYS = (
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
_WORD = re.compile(r"[a-z0-9]+")
_STOP_TEXT = """
a an and are as at be by can could do does for from how i in into is it its me my of on or our
should the their them this to us we what when where which who why will with would you your
please about use using want need get set make up out via vs than then there these those have
has not no yes one all any some more most very just like also only so if but way best good did
was were been being
"""
_STOP = frozenset(_STOP_TEXT.split())
_GENERIC_TEXT = """
model ml data
"""
_GENERIC = frozenset(_GENERIC_TEXT.split())
_PLACEHOLDERS = {"", "...", "…", "tbd", "?", "-"}


# -- reading the messages --------------------------------------------------------


@dataclass
class OfflineContext:
    """What the offline provider understood from the messages."""

    name: str
    role: str
    guidance: list[str]
    task: str
    facts: dict[str, Any] | None
    question: str
    user_texts: list[str] = field(default_factory=list)
    follow_up: bool = False


def _words(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower()):
        if len(w) >= 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def _content(text: str) -> set[str]:
    return {w for w in _words(text) if w not in _STOP and w not in _GENERIC and len(w) > 1}


def _section(system: str, heading: str) -> tuple[str, str]:
    """Split ``system`` at the last ``heading``: (before, after)."""
    at = system.rfind("\n" + heading)
    if at < 0:
        if system.startswith(heading):
            return "", system[len(heading) :]
        return system, ""
    return system[:at], system[at + 1 + len(heading) :]


def _parse_facts(block: str) -> dict[str, Any] | None:
    match = re.search(r"```json\s*\n(.*?)\n```", block, re.S)
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    if data is None:
        return None
    return data if isinstance(data, dict) else {"facts": data}


def parse_messages(messages: list[dict[str, Any]]) -> OfflineContext:
    """Recover persona, task, facts and question from chat messages (OpenAI format)."""
    system = "\n\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    rest, facts_part = _section(system, FACTS_HEADING)
    prompt, task_part = _section(rest, TASK_HEADING)
    task = task_part.strip()
    facts = _parse_facts(facts_part)
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    match = re.match(r"you are ([^,.]+)(?:,\s*(?:an?\s+)?([^.]+))?", first, re.I)
    name = match.group(1).strip() if match else "the assistant"
    role = (match.group(2) or "").strip() if match else ""
    if any(c.isdigit() for c in name):
        name = "the persona"
    if any(c.isdigit() for c in role):
        role = ""
    convo = [m for m in messages if m.get("role") in ("user", "assistant")]
    user_texts = [str(m.get("content") or "") for m in convo if m.get("role") == "user"]
    question = user_texts[-1].strip() if user_texts else task
    follow_up = any(m.get("role") == "assistant" for m in convo) and question != task
    return OfflineContext(
        name=name,
        role=role,
        guidance=_bullets(prompt),
        task=task,
        facts=facts,
        question=question,
        user_texts=user_texts,
        follow_up=follow_up,
    )


def _bullets(prompt: str) -> list[str]:
    """The prompt's list items, wrapped lines joined; items with digits are left out (no numbers
    may enter an answer from anywhere but the facts and the user's text)."""
    items: list[str] = []
    current: list[str] | None = None
    for line in prompt.splitlines():
        stripped = line.strip()
        if stripped.startswith(("- ", "* ")):
            current = [stripped[2:].strip()]
            items.append("")
            items[-1] = " ".join(current)
        elif current is not None and stripped and line[:1].isspace():
            current.append(stripped)
            items[-1] = " ".join(current)
        else:
            current = None
    return [item for item in items if item and not any(c.isdigit() for c in item)]


# -- rendering facts ---------------------------------------------------------------


def render_value(value: Any) -> str:
    """A fact value as text, digit-for-digit as it appears in the JSON facts block."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
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


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _record_table(rows: list[dict[str, Any]]) -> list[str]:
    headers: list[str] = []
    for row in rows:
        headers.extend(k for k in row if k not in headers)
    lines = [
        "| " + " | ".join(render_value(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(render_value(row[h]) if h in row else "" for h in headers) + " |")
    return lines


def _facts_table(pairs: list[tuple[str, Any]]) -> list[str]:
    lines = ["| Fact | Value |", "|---|---|"]
    records: list[tuple[str, Any]] = []
    for path, value in pairs:
        if _is_record_list(value):
            records.append((path, value))
            continue
        lines.append(f"| {render_value(path)} | {render_value(value)} |")
    if len(lines) == 2:
        lines = []
    for path, value in records:
        lines.extend(["", f"**{render_value(path)}**", "", *_record_table(value)])
    return lines


def _decisions(pairs: list[tuple[str, Any]]) -> list[str]:
    out = []
    for path, value in pairs:
        last = path.rsplit(".", 1)[-1].lower()
        if last in _DECISION_KEYS and isinstance(value, str | bool | int | float) and value != "":
            out.append(f"**{render_value(path)}: {render_value(value)}**")
    return out


# -- the task: tables and questions ---------------------------------------------------


def _key_match(label_words: set[str], key_words: set[str]) -> int:
    """0 = no match; 2 = same words; 1 = one contains the other with one word to spare."""
    if not label_words or not key_words:
        return 0
    if label_words == key_words:
        return 2
    if (label_words <= key_words or key_words <= label_words) and len(label_words ^ key_words) <= 1:
        return 1
    return 0


def _find_fact(pairs: list[tuple[str, Any]], *labels: str) -> tuple[str, Any] | None:
    """The fact whose last path segment (or whole path) best matches the joined labels.

    An exact match beats a near one, and a mapping beats a leaf at the same level (so a table
    row finds ``data_drift: {tool, threshold}`` rather than one of its leaves).
    """
    wanted = set().union(*(_content(label) for label in labels))
    best: tuple[tuple[int, int], str, Any] | None = None
    for path, value in pairs:
        last = path.rsplit(".", 1)[-1]
        for candidate in (last, path):
            score = _key_match(wanted, _content(candidate.replace("_", " ")))
            if score == 1 and candidate is last and last != path:
                continue  # a nested leaf ("x.threshold") must match exactly, or by its whole path
            rank = (score, 1 if isinstance(value, dict) else 0)
            if score and (best is None or rank > best[0]):
                best = (rank, path, value)
    return (best[1], best[2]) if best else None


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", c) for c in cells)


def _placeholder(cell: str) -> bool:
    text = cell.strip().strip("*_").strip().lower()
    return text in _PLACEHOLDERS or (text.startswith("[") and text.endswith("]"))


def _table_blocks(task: str) -> list[tuple[str, list[list[str]]]]:
    """Markdown tables in the task: (the heading above it, rows of cells)."""
    blocks: list[tuple[str, list[list[str]]]] = []
    heading = ""
    current: list[list[str]] = []
    for line in [*task.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("|"):
            current.append(_split_row(stripped))
            continue
        if len(current) >= 2 and _is_separator(current[1]):
            blocks.append((heading, current))
        current = []
        if stripped.startswith("#"):
            heading = stripped
    return blocks


def _fill_table(
    heading: str, rows: list[list[str]], pairs: list[tuple[str, Any]], all_nodes: list[tuple[str, Any]]
) -> list[str]:
    header, body = rows[0], rows[2:]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for cells in body:
        cells = cells + [""] * (len(header) - len(cells))
        if _placeholder(cells[0]):
            records = _matching_records(header, pairs)
            if records is not None:
                for record in records:
                    lookup = {
                        " ".join(sorted(_content(str(k).replace("_", " ")))): v for k, v in record.items()
                    }
                    row = [
                        render_value(lookup.get(" ".join(sorted(_content(h))), "")) or TO_ANSWER
                        for h in header
                    ]
                    out.append("| " + " | ".join(row) + " |")
                continue
            out.append("| " + " | ".join(TO_ANSWER if _placeholder(c) else c for c in cells) + " |")
            continue
        label = cells[0]
        holes = [i for i, c in enumerate(cells) if i > 0 and _placeholder(c)]
        row_fact = _find_fact(all_nodes, label)
        filled = list(cells)
        for i in holes:
            value: Any = None
            found = False
            if row_fact is not None and isinstance(row_fact[1], dict):
                sub = _find_fact(nodes(row_fact[1]), header[i])
                if sub is not None:
                    value, found = sub[1], True
            if not found:
                combo = _find_fact(pairs, label, header[i])
                if combo is not None and (row_fact is None or combo[0] != row_fact[0] or len(holes) == 1):
                    value, found = combo[1], True
            if not found and row_fact is not None and len(holes) == 1 and not isinstance(row_fact[1], dict):
                value, found = row_fact[1], True
            filled[i] = render_value(value) if found else TO_ANSWER
        out.append("| " + " | ".join(filled) + " |")
    return ([heading, ""] if heading else []) + out


def _matching_records(header: list[str], pairs: list[tuple[str, Any]]) -> list[dict[str, Any]] | None:
    wanted = {" ".join(sorted(_content(h))) for h in header}
    for _, value in pairs:
        if _is_record_list(value):
            keys = {" ".join(sorted(_content(str(k).replace("_", " ")))) for row in value for k in row}
            if len(keys & wanted) * 2 >= len(wanted):
                return value
    return None


def task_questions(task: str) -> list[str]:
    """The questions a task asks (sentences ending in '?'), in order, without list markers."""
    found: list[str] = []
    for line in task.splitlines():
        text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s*", "", line).replace("**", "").strip()
        if "|" in text:
            continue
        for sentence in re.findall(r"[^.?!]*\?", text):
            sentence = sentence.strip()
            if ":" in sentence:
                sentence = sentence.split(":", 1)[1].strip() or sentence
            if len(_content(sentence)) >= 1 and sentence not in found:
                found.append(sentence)
    return found


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


def _answered(question: str, pairs: list[tuple[str, Any]], answers: list[str]) -> bool:
    words = _content(question)
    lasts = {path.rsplit(".", 1)[-1].lower() for path, _ in pairs}
    if any(lasts & _ANSWERED_BY.get(word, set()) for word in words):
        return True
    for path, _ in pairs:
        key = _content(path.rsplit(".", 1)[-1].replace("_", " "))
        if key and (key <= words or len(key & words) >= 2):
            return True
    return any(len(words & _content(a)) >= 2 and len(_content(a)) > 2 for a in answers)


def _relevant_guidance(guidance: list[str], *texts: str, limit: int = 6) -> list[str]:
    wanted = set().union(*(_content(t) for t in texts))
    scored = []
    for n, line in enumerate(guidance):
        overlap = len(wanted & _content(line))
        if overlap:
            scored.append((-overlap, n, line))
    strong = [item for item in scored if -item[0] >= 2]
    chosen = sorted(strong)[:limit] if strong else sorted(scored)[: max(1, limit // 2)]
    return [line for _, _, line in chosen]


# -- the answer ------------------------------------------------------------------------


def offline_answer(messages: list[dict[str, Any]]) -> str:
    """The deterministic answer for these messages (the same text the provider streams)."""
    ctx = parse_messages(messages)
    pairs = flatten(ctx.facts) if ctx.facts else []
    who = f"{ctx.name}, {ctx.role}" if ctx.role else ctx.name
    lines = [
        f"{LABEL} — {who}. Built from the task and the facts axtui computed, without a language "
        "model; configure one with `--model` for a written analysis.",
        "",
    ]
    decisions = _decisions(pairs)
    if ctx.follow_up:
        lines += [f"**Your question:** {render_value(ctx.question)}", ""]
        wanted = _content(ctx.question)
        relevant = [
            (p, v)
            for p, v in pairs
            if wanted & _content(p.replace("_", " ").replace(".", " "))
            or (isinstance(v, str) and wanted & _content(v))
        ]
        if relevant:
            lines += ["### Facts that bear on it", "", *_facts_table(relevant), ""]
        elif pairs:
            names = ", ".join(render_value(p) for p, _ in pairs)
            lines += [
                f"No computed fact matches this question directly. The facts available are: {names}.",
                "",
            ]
        else:
            lines += ["No computed facts were handed to this conversation.", ""]
        if decisions:
            lines += ["The computed decision stands: " + "; ".join(decisions) + ".", ""]
    else:
        if decisions:
            lines += [*decisions, ""]
        if pairs:
            lines += ["### Computed facts", "", *_facts_table(pairs), ""]
        for heading, rows in _table_blocks(ctx.task):  # empty when no separate task was given
            lines += [*_fill_table(heading, rows, pairs, nodes(ctx.facts or {})), ""]
    answers = ctx.user_texts[1:] if ctx.follow_up else []
    open_questions = [q for q in task_questions(ctx.task) if not _answered(q, pairs, answers)]
    if open_questions:
        lines += ["### Still to answer", "", *[f"- {render_value(q)}" for q in open_questions], ""]
    guidance = _relevant_guidance(ctx.guidance, ctx.question, "" if ctx.follow_up else ctx.task)
    if guidance:
        lines += [f"### How {ctx.name} approaches this", "", *[f"- {g}" for g in guidance], ""]
    if not pairs and not ctx.follow_up:
        lines += ["_No computed facts were handed to this answer, so it states no numbers._", ""]
    return "\n".join(lines).rstrip() + "\n"


def chunk_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Split text into small pieces at word boundaries (joined, they give back ``text`` exactly)."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end)
            if space > start:
                end = space + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def stream_answer(messages: list[dict[str, Any]]) -> Iterator[str]:
    """The offline answer in small chunks, with no sleeps."""
    yield from chunk_text(offline_answer(messages))


# -- LiteLLM integration -----------------------------------------------------------------

_provider: Any = None


def register(litellm: Any) -> None:
    """Install the ``axtui`` custom provider into an imported LiteLLM module (idempotent)."""
    global _provider
    if _provider is None:
        _provider = _make_provider(litellm)
    entries = [e for e in litellm.custom_provider_map if e.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*entries, {"provider": PROVIDER, "custom_handler": _provider}]
    litellm.utils.custom_llm_setup()


def _make_provider(litellm: Any) -> Any:
    from litellm import CustomLLM

    def response(model: str, messages: list[dict[str, Any]]) -> Any:
        text = offline_answer(messages)
        resp = litellm.ModelResponse(
            model=OFFLINE_MODEL,
            choices=[
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
            ],
        )
        resp.usage = litellm.Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0)
        return resp

    def chunks(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        pieces = chunk_text(offline_answer(messages)) or [""]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            yield {
                "text": piece,
                "is_finished": last,
                "finish_reason": "stop" if last else "",
                "usage": None,
                "index": 0,
                "tool_use": None,
            }

    class OfflineProvider(CustomLLM):
        """LiteLLM custom provider ``axtui``: model ``axtui/offline``."""

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return response(model, messages)

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return response(model, messages)

        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator[Any]:
            yield from chunks(messages)

        async def astreaming(
            self, model: str, messages: list, *args: Any, **kwargs: Any
        ) -> AsyncIterator[Any]:
            for chunk in chunks(messages):
                yield chunk

    return OfflineProvider()
