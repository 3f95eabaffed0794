"""Reading chat messages back into persona, task, facts and question (the inverse of
:func:`axtui.core.chat.build_messages`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TASK_HEADING = "## Current task"
FACTS_HEADING = "## Facts (computed by axtui)"

_WORD = re.compile(r"[a-z0-9]+")
_STOP_TEXT = """
a an and are as at be by can could do does for from how i in into is it its me my of on or our
should the their them this to us we what when where which who why will with would you your
please about use using want need get set make up out via vs than then there these those have
has not no yes one all any some more most very just like also only so if but way best good did
was were been being tell explain
"""
STOP = frozenset(_STOP_TEXT.split())
GENERIC = frozenset({"model", "ml", "data"})


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


def words(text: str) -> list[str]:
    """Lower-case word tokens with a plural ``s`` dropped (so "features" meets "feature")."""
    out = []
    for w in _WORD.findall(text.lower()):
        if len(w) >= 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def content(text: str) -> set[str]:
    """The words of ``text`` that carry meaning (no stop words, no words every ML text has)."""
    return {w for w in words(text) if w not in STOP and w not in GENERIC and len(w) > 1}


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


def _who(prompt: str) -> tuple[str, str]:
    """Name and role from the persona prompt's first line ("You are Dana, a Senior Data Scientist")."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    match = re.match(r"you are ([^,.]+)(?:,\s*(?:an?\s+)?([^.]+))?", first, re.I)
    name = match.group(1).strip() if match else "the assistant"
    role = (match.group(2) or "").strip() if match else ""
    if any(c.isdigit() for c in name):
        name = "the persona"
    if any(c.isdigit() for c in role):
        role = ""
    return name, role


def parse_messages(messages: list[dict[str, Any]]) -> OfflineContext:
    """Recover persona, task, facts and question from chat messages (OpenAI format)."""
    system = "\n\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    rest, facts_part = _section(system, FACTS_HEADING)
    prompt, task_part = _section(rest, TASK_HEADING)
    task = task_part.strip()
    name, role = _who(prompt)
    convo = [m for m in messages if m.get("role") in ("user", "assistant")]
    user_texts = [str(m.get("content") or "") for m in convo if m.get("role") == "user"]
    question = user_texts[-1].strip() if user_texts else task
    follow_up = any(m.get("role") == "assistant" for m in convo) and question != task
    return OfflineContext(
        name=name,
        role=role,
        guidance=_bullets(prompt),
        task=task,
        facts=_parse_facts(facts_part),
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
            items.append(" ".join(current))
        elif current is not None and stripped and line[:1].isspace():
            current.append(stripped)
            items[-1] = " ".join(current)
        else:
            current = None
    return [item for item in items if item and not any(c.isdigit() for c in item)]
