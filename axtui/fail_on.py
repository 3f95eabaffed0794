"""``--fail-on VERDICT[,VERDICT]``: CI gating shared by every command that decides.

A command parses the option once (unknown names are a usage error, exit 2,
naming the valid verdicts), prints its result as usual, and then exits 1 when
one of its verdicts is listed. Pure: no printing, no typer, so the CLI, the
headless runner and ``--batch`` use the same check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from axtui.errors import InputError

AB = ("SHIP", "ROLLBACK", "EXTEND", "NO_SHIP", "INVALID")
DRIFT = ("GREEN", "YELLOW", "RED")
EVALUATE = ("GO", "NO_GO")
EXPERIMENT = ("PROMOTE", "ITERATE", "REJECT")
VERSION = ("PROMOTE", "CANARY", "HOLD", "REJECT")
MONITORING = ("NO_ACTION", "MONITOR", "INVESTIGATE", "RETRAIN", "RETRAIN_URGENT")
# A session may decide with any table (and a workflow's own decision values), so any verdict is valid.
SESSION = tuple(dict.fromkeys((*AB, *DRIFT, *EVALUATE, *EXPERIMENT, *VERSION, *MONITORING)))


def parse(text: str | None, valid: Sequence[str], *, option: str = "--fail-on") -> frozenset[str]:
    """The listed verdicts, upper-cased; an unknown name raises InputError listing the valid ones."""
    if text is None:
        return frozenset()
    names = [part.strip().upper().replace("-", "_") for part in str(text).split(",") if part.strip()]
    if not names:
        raise InputError(
            f"{option} needs at least one verdict", where=option, hint="valid: " + ", ".join(valid)
        )
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise InputError(
            f"unknown verdict(s) for {option}: {', '.join(unknown)}",
            where=option,
            hint="valid: " + ", ".join(valid),
        )
    return frozenset(names)


def matches(verdicts: Iterable[object], listed: frozenset[str]) -> list[str]:
    """The verdicts (in order, once each) that are listed; an empty list means exit 0."""
    hits: list[str] = []
    for verdict in verdicts:
        text = str(verdict).strip().upper() if verdict is not None else ""
        if text in listed and text not in hits:
            hits.append(text)
    return hits


def message(hits: Sequence[str], option: str = "--fail-on") -> str:
    """The stderr line a command prints before exiting 1."""
    return f"{option}: the verdict {', '.join(hits)} is listed: exit 1"


def evidently_level(result: dict[str, object]) -> str:
    """The alert level of an Evidently-compatible report: RED on dataset drift, YELLOW when some column
    drifted, else GREEN (docs/statistics.md)."""
    dataset = result.get("dataset")
    if not isinstance(dataset, dict):
        return "GREEN"
    if dataset.get("dataset_drift"):
        return "RED"
    return "YELLOW" if (dataset.get("drifted_count") or 0) > 0 else "GREEN"
