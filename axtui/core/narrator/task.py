"""What a step's task asks for: tables to fill, questions, decision tables and the next actions
it lists for each decision ("## If SHIP", "- **PROMOTE**: ...")."""

from __future__ import annotations

import re
from typing import Any

from axtui.core.narrator.facts import is_record_list, nodes, render_value
from axtui.core.narrator.messages import content

TO_ANSWER = "_(to answer)_"
_PLACEHOLDERS = {"", "...", "…", "tbd", "?"}
_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def _key_match(label_words: set[str], key_words: set[str]) -> int:
    """0 = no match; 2 = same words; 1 = one contains the other with one word to spare."""
    if not label_words or not key_words:
        return 0
    if label_words == key_words:
        return 2
    if (label_words <= key_words or key_words <= label_words) and len(label_words ^ key_words) <= 1:
        return 1
    return 0


def find_fact(pairs: list[tuple[str, Any]], *labels: str) -> tuple[str, Any] | None:
    """The fact whose last path segment (or whole path) best matches the joined labels.

    An exact match beats a near one, and a mapping beats a leaf at the same level (so a table
    row finds ``data_drift: {tool, threshold}`` rather than one of its leaves).
    """
    wanted = set().union(*(content(label) for label in labels))
    best: tuple[tuple[int, int], str, Any] | None = None
    for path, value in pairs:
        last = path.rsplit(".", 1)[-1]
        for candidate in (last, path):
            score = _key_match(wanted, content(candidate.replace("_", " ")))
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


def placeholder(cell: str) -> bool:
    text = cell.strip().strip("*_").strip().lower()
    return text in _PLACEHOLDERS or (text.startswith("[") and text.endswith("]"))


def table_blocks(task: str) -> list[tuple[str, list[list[str]]]]:
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


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text))


def decision_rows(rows: list[list[str]], verdicts: set[str]) -> list[int]:
    """Body rows (indexes into ``rows``) whose cells name one of the computed verdicts."""
    if not verdicts:
        return []
    return [i for i, cells in enumerate(rows[2:], start=2) if any(tokens(c) & verdicts for c in cells)]


# Condition cells of a decision table ("| Yes | Positive | Pass | SHIP |") and what they mean.
_YES = frozenset({"yes", "y", "true", "pass", "passed", "ok"})
_NO = frozenset({"no", "n", "false", "fail", "failed"})
_ANY = frozenset({"", "-", "—", "–", "any", "n/a"})


def _stems(text: str) -> set[str]:
    """Word stems for matching a column header to a rule input ("Significance" ~ "significant")."""
    return {w.lower()[:6] for w in _TOKEN.findall(text.replace("_", " ")) if len(w) >= 4}


def _input_for(header: str, inputs: dict[str, Any]) -> tuple[bool, Any]:
    wanted = _stems(header)
    for key, value in inputs.items():
        if wanted & _stems(key):
            return True, value
    return False, None


def _cell_fits(cell: str, value: Any) -> bool:
    """Whether a condition cell agrees with the computed input; a cell it cannot judge agrees."""
    text = cell.strip().strip("*_").strip().lower()
    if text in _ANY or value is None:
        return True
    if isinstance(value, bool):
        return value if text in _YES else (not value if text in _NO else True)
    if isinstance(value, str) and text not in _YES | _NO:
        return text == value.lower()
    return True


def row_fits(header: list[str], cells: list[str], inputs: dict[str, Any]) -> bool:
    """Whether a row's condition cells (all but the last, the decision) agree with the rule's inputs."""
    for name, cell in zip(header[:-1], cells[:-1], strict=False):
        known, value = _input_for(name, inputs)
        if known and not _cell_fits(cell, value):
            return False
    return True


def condition_rows(rows: list[list[str]], inputs: dict[str, Any]) -> list[int]:
    """Body rows whose conditions agree with the inputs (at least one condition column judged)."""
    header = rows[0]
    judged = any(_input_for(name, inputs)[0] for name in header[:-1])
    return [i for i, cells in enumerate(rows[2:], start=2) if judged and row_fits(header, cells, inputs)]


def mark_decision_table(
    heading: str, rows: list[list[str]], fired: list[int], label: str = "this session"
) -> list[str]:
    """A decision table as written, the row(s) that fired for this session in bold and marked."""
    header = rows[0]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for i, cells in enumerate(rows[2:], start=2):
        if i in fired:
            cells = [f"**{c}**" if c else c for c in cells]
            cells[-1] = cells[-1] + f" ← {label}"
        out.append("| " + " | ".join(cells) + " |")
    return ([heading, ""] if heading else []) + out


def fill_table(
    heading: str, rows: list[list[str]], pairs: list[tuple[str, Any]], facts: dict[str, Any]
) -> list[str]:
    """A table the task asks for, its placeholder cells filled from the facts or marked to answer."""
    all_nodes = nodes(facts)
    header, body = rows[0], rows[2:]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for cells in body:
        cells = cells + [""] * (len(header) - len(cells))
        if placeholder(cells[0]):
            out.extend(_record_rows(header, cells, pairs))
            continue
        out.append("| " + " | ".join(_fill_row(header, cells, pairs, all_nodes)) + " |")
    return ([heading, ""] if heading else []) + out


def _record_rows(header: list[str], cells: list[str], pairs: list[tuple[str, Any]]) -> list[str]:
    records = _matching_records(header, pairs)
    if records is None:
        return ["| " + " | ".join(TO_ANSWER if placeholder(c) else c for c in cells) + " |"]
    out = []
    for record in records:
        lookup = {" ".join(sorted(content(str(k).replace("_", " ")))): v for k, v in record.items()}
        row = [render_value(lookup.get(" ".join(sorted(content(h))), "")) or TO_ANSWER for h in header]
        out.append("| " + " | ".join(row) + " |")
    return out


def _fill_row(
    header: list[str], cells: list[str], pairs: list[tuple[str, Any]], all_nodes: list[tuple[str, Any]]
) -> list[str]:
    label = cells[0]
    holes = [i for i, c in enumerate(cells) if i > 0 and placeholder(c)]
    row_fact = find_fact(all_nodes, label)
    filled = list(cells)
    for i in holes:
        value: Any = None
        found = False
        if row_fact is not None and isinstance(row_fact[1], dict):
            sub = find_fact(nodes(row_fact[1]), header[i])
            if sub is not None:
                value, found = sub[1], True
        if not found:
            combo = find_fact(pairs, label, header[i])
            if combo is not None and (row_fact is None or combo[0] != row_fact[0] or len(holes) == 1):
                value, found = combo[1], True
        if not found and row_fact is not None and len(holes) == 1 and not isinstance(row_fact[1], dict):
            value, found = row_fact[1], True
        filled[i] = render_value(value) if found else TO_ANSWER
    return filled


def _matching_records(header: list[str], pairs: list[tuple[str, Any]]) -> list[dict[str, Any]] | None:
    wanted = {" ".join(sorted(content(h))) for h in header}
    for _, value in pairs:
        if is_record_list(value):
            keys = {" ".join(sorted(content(str(k).replace("_", " ")))) for row in value for k in row}
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
            if len(content(sentence)) >= 1 and sentence not in found:
                found.append(sentence)
    return found


_IF_HEADING = re.compile(r"^#{1,6}\s*(?:if|when|on)\s+(?P<what>.+?)\s*$", re.I)
_BOLD_ITEM = re.compile(r"^\s*[-*+]\s*\*\*(?P<what>[A-Za-z0-9_ ]+)\*\*\s*[:—-]\s*(?P<text>.+)$")


def _verdict_matches(what: str, verdict: str) -> int:
    """2 = the heading names the verdict exactly; 1 = by its stem (RETRAIN for RETRAIN_URGENT)."""
    names = tokens(what)
    if verdict in names:
        return 2
    return 1 if any(verdict.startswith(n + "_") for n in names if n.isupper()) else 0


def next_actions(task: str, verdict: str) -> tuple[list[str], list[str]]:
    """What the task says to do for ``verdict``: the items under its "## If VERDICT" heading (the
    best-matching one) and any "- **VERDICT**: meaning" line."""
    sections: list[tuple[int, list[str]]] = []
    meaning: list[str] = []
    current: list[str] | None = None
    for line in task.splitlines():
        heading = _IF_HEADING.match(line.strip())
        if heading or line.lstrip().startswith("#"):
            score = _verdict_matches(heading.group("what"), verdict) if heading else 0
            current = [] if score else None
            if current is not None:
                sections.append((score, current))
            continue
        item = _BOLD_ITEM.match(line)
        if item and verdict in tokens(item.group("what")):
            meaning.append(item.group("text").strip())
        if current is not None and line.strip().startswith(("- ", "* ", "+ ")):
            current.append(line.strip()[2:].strip())
    best = max(sections, key=lambda s: s[0])[1] if sections else []
    return best, meaning
