"""Reading and writing the ``sessions`` and ``step_results`` rows (the only SQL in the engine)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from axtui.core.conversations import message_rows
from axtui.core.store import Store

JSON_SESSION = ("inputs", "variables", "answers", "decisions", "recorded")
JSON_STEP = ("inputs", "outputs")
SESSION_COLS = (
    "id",
    "workflow_id",
    "workflow_version",
    "title",
    "status",
    "inputs",
    "variables",
    "answers",
    "model",
    "steps_total",
    "steps_done",
    "current_step",
    "report_path",
    "report",
    "decisions",
    "recorded",
    "workflow_source",
    "error",
    "created_at",
    "updated_at",
)
STEP_COLS = (
    "session_id",
    "step_id",
    "seq",
    "parent_step",
    "step_type",
    "status",
    "attempts",
    "inputs",
    "outputs",
    "error",
    "branch",
    "conversation_id",
    "started_at",
    "finished_at",
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def _loads(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return json.loads(value)


def insert_session(con: Any, row: dict[str, Any]) -> None:
    cols = [c for c in SESSION_COLS if c in row]
    values = [dumps(row[c]) if c in JSON_SESSION else row[c] for c in cols]
    con.execute(f"INSERT INTO sessions ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", values)


def update_session(con: Any, session_id: str, **cols: Any) -> None:
    names = list(cols)
    values = [dumps(cols[c]) if c in JSON_SESSION else cols[c] for c in names]
    con.execute(
        f"UPDATE sessions SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?", [*values, session_id]
    )


def insert_step(con: Any, row: dict[str, Any]) -> None:
    cols = [c for c in STEP_COLS if c in row]
    values = [dumps(row[c]) if c in JSON_STEP else row[c] for c in cols]
    con.execute(
        f"INSERT INTO step_results ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", values
    )


def insert_steps(con: Any, rows: list[dict[str, Any]]) -> None:
    """Several rows with the same columns in one statement (one round trip, not one per step)."""
    if not rows:
        return
    cols = [c for c in STEP_COLS if c in rows[0]]
    one = f"({', '.join('?' for _ in cols)})"
    values = [dumps(row[c]) if c in JSON_STEP else row[c] for row in rows for c in cols]
    con.execute(f"INSERT INTO step_results ({', '.join(cols)}) VALUES {', '.join(one for _ in rows)}", values)


def update_step(con: Any, session_id: str, step_id: str, **cols: Any) -> None:
    names = list(cols)
    values = [dumps(cols[c]) if c in JSON_STEP else cols[c] for c in names]
    con.execute(
        f"UPDATE step_results SET {', '.join(f'{c} = ?' for c in names)} "
        "WHERE session_id = ? AND step_id = ?",
        [*values, session_id, step_id],
    )


def as_stored(row: dict[str, Any], *, steps: bool = False) -> dict[str, Any]:
    """A row as ``load_session`` (or ``load_steps``) would read it back after inserting it: every
    column, absent ones None, JSON columns through their text. A new session is built from these
    instead of reading its rows again (two queries of a ``--batch`` replay, bench/batch.md)."""
    cols, json_cols = (STEP_COLS, JSON_STEP) if steps else (SESSION_COLS, JSON_SESSION)
    out = {c: row.get(c) for c in cols}
    for col in json_cols:
        out[col] = _loads(dumps(out[col])) if out[col] is not None else None
    return out


def load_session(store: Store, session_id: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT {', '.join(SESSION_COLS)} FROM sessions WHERE id = ?", [session_id])
    if not rows:
        return None
    row = dict(zip(SESSION_COLS, rows[0], strict=True))
    for col in JSON_SESSION:
        row[col] = _loads(row[col])
    return row


def load_steps(store: Store, session_id: str) -> list[dict[str, Any]]:
    rows = store.query(
        f"SELECT {', '.join(STEP_COLS)} FROM step_results WHERE session_id = ? ORDER BY seq", [session_id]
    )
    out = []
    for raw in rows:
        row = dict(zip(STEP_COLS, raw, strict=True))
        for col in JSON_STEP:
            row[col] = _loads(row[col])
        out.append(row)
    return out


def find_sessions(
    store: Store, *, include_completed: bool = False, prefix: str | None = None
) -> list[dict[str, Any]]:
    """Sessions, newest first: id, workflow, status, progress, timestamps."""
    sql = (
        "SELECT id, workflow_id, workflow_version, title, status, steps_done, steps_total, current_step, "
        "report_path, created_at, updated_at, "
        "(SELECT count(*) FROM step_results r "
        "WHERE r.session_id = sessions.id AND r.status = 'not_measured') "
        "FROM sessions"
    )
    where, params = [], []
    if not include_completed:
        where.append("status <> 'completed'")
    if prefix:
        where.append("id LIKE ?")
        params.append(prefix + "%")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY updated_at DESC, created_at DESC, id DESC"
    cols = (
        "id",
        "workflow_id",
        "workflow_version",
        "title",
        "status",
        "steps_done",
        "steps_total",
        "current_step",
        "report_path",
        "created_at",
        "updated_at",
        "not_measured",
    )
    return [dict(zip(cols, r, strict=True)) for r in store.query(sql, params)]


def chat_messages(store: Store, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's messages in order (role, content, complete, model, tokens, cost, created_at)."""
    return message_rows(store, conversation_id)
