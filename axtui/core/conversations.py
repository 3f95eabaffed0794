"""Conversations and their messages in DuckDB (tables ``conversations`` and ``chat_messages``).

Every message is one row written in its own transaction as soon as it exists, so a crash
loses at most the answer being streamed (a recorded turn, which waits on no model, writes its
question and answer in one statement). An interrupted or failed answer is kept with
``complete = false`` and its error text. Nothing here ever sees an API key.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axtui.core.clock import iso
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError

MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "role",
    "agent_id",
    "content",
    "model",
    "complete",
    "error",
    "delegated_from",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "created_at",
)
CONVERSATION_COLUMNS = (
    "id",
    "title",
    "agent_id",
    "session_id",
    "step_id",
    "model",
    "created_at",
    "updated_at",
)
ROLES = ("user", "assistant", "system")
# chat_messages' columns after ``id`` as typed parameters (a VALUES row's types come from them)
_MESSAGE_CASTS = (
    "?::VARCHAR",
    "?::VARCHAR",
    "?::VARCHAR",
    "?::VARCHAR",
    "?::VARCHAR",
    "?::BOOLEAN",
    "?::VARCHAR",
    "?::VARCHAR",
    "?::INTEGER",
    "?::INTEGER",
    "?::DOUBLE",
    "?::TIMESTAMP",
)


@dataclass
class Message:
    """One chat message to write (``Conversations.add_messages``)."""

    role: str
    content: str
    agent_id: str | None = None
    model: str | None = None
    complete: bool = True
    error: str | None = None
    delegated_from: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def values(self, conversation_id: str, now: datetime) -> list[Any]:
        """The row's values in ``MESSAGE_COLUMNS`` order, after ``id``."""
        return [
            conversation_id,
            self.role,
            self.agent_id,
            self.content,
            self.model,
            self.complete,
            self.error,
            self.delegated_from,
            int(self.prompt_tokens),
            int(self.completion_tokens),
            float(self.cost_usd),
            now,
        ]


def _row(columns: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    return _iso_dates(dict(zip(columns, values, strict=True)))


def _iso_dates(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its datetimes as ISO text (JSON-ready)."""
    return {key: iso(value) if isinstance(value, datetime) else value for key, value in row.items()}


def message_rows(store: Store, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's messages in order, every column as stored (``created_at`` a datetime)."""
    rows = store.query(
        f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM chat_messages WHERE conversation_id = ? ORDER BY id",
        [conversation_id],
    )
    return [dict(zip(MESSAGE_COLUMNS, r, strict=True)) for r in rows]


class Conversations:
    """Persistence for chat conversations; the ChatService's storage layer."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        agent_id: str | None,
        *,
        session_id: str | None = None,
        step_id: str | None = None,
        title: str | None = None,
        model: str | None = None,
    ) -> str:
        conversation_id = "c-" + uuid.uuid4().hex[:12]
        now = self.store.clock()
        with self.store.transaction() as con:
            con.execute(
                "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [conversation_id, title, agent_id, session_id, step_id, model, now, now],
            )
        return conversation_id

    def get(self, conversation_id: str) -> dict[str, Any]:
        rows = self.store.query(
            f"SELECT {', '.join(CONVERSATION_COLUMNS)} FROM conversations WHERE id = ?", [conversation_id]
        )
        if not rows:
            raise NotFoundError(
                f"no conversation {conversation_id!r}",
                hint="list conversations with ChatService.list_conversations()",
            )
        return _row(CONVERSATION_COLUMNS, rows[0])

    def list(
        self, *, session_id: str | None = None, agent_id: str | None = None, limit: int | None = 50
    ) -> list[dict[str, Any]]:
        """Newest first, with message counts and token/cost totals."""
        where, params = [], []
        if session_id is not None:
            where.append("c.session_id = ?")
            params.append(session_id)
        if agent_id is not None:
            where.append("c.agent_id = ?")
            params.append(agent_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        limit_sql = f"LIMIT {int(limit)}" if limit else ""
        cols = ", ".join(f"c.{c}" for c in CONVERSATION_COLUMNS)
        rows = self.store.query(
            f"""SELECT {cols}, count(m.id), coalesce(sum(m.prompt_tokens), 0),
                       coalesce(sum(m.completion_tokens), 0), coalesce(sum(m.cost_usd), 0)
                FROM conversations c LEFT JOIN chat_messages m ON m.conversation_id = c.id
                {clause} GROUP BY ALL ORDER BY c.updated_at DESC, c.id {limit_sql}""",
            params,
        )
        out = []
        for row in rows:
            item = _row(CONVERSATION_COLUMNS, row[: len(CONVERSATION_COLUMNS)])
            count, prompt, done, cost = row[len(CONVERSATION_COLUMNS) :]
            item.update(
                messages=int(count),
                prompt_tokens=int(prompt),
                completion_tokens=int(done),
                cost_usd=float(cost),
            )
            out.append(item)
        return out

    def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        agent_id: str | None = None,
        model: str | None = None,
        complete: bool = True,
        error: str | None = None,
        delegated_from: str | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> int:
        """Write one message now (its own transaction) and touch the conversation."""
        message = Message(
            role,
            content,
            agent_id=agent_id,
            model=model,
            complete=complete,
            error=error,
            delegated_from=delegated_from,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd,
        )
        return self.add_messages(conversation_id, [message])[-1]

    def add_messages(self, conversation_id: str, messages: list[Message]) -> list[int]:
        """Write messages of one conversation in one statement (its own transaction), touch the
        conversation once, and return their ids in order. A recorded turn writes its question and
        answer together: there is no model call between them to survive. ``NotFoundError`` (and
        nothing written) for a conversation that does not exist."""
        if not messages:
            return []
        for m in messages:
            if m.role not in ROLES:
                raise InputError(f"unknown chat role {m.role!r}", hint=f"use one of: {', '.join(ROLES)}")
        now = self.store.clock()
        one = f"({', '.join(_MESSAGE_CASTS)})"
        with self.store.transaction() as con:
            rows = con.execute(
                f"INSERT INTO chat_messages ({', '.join(MESSAGE_COLUMNS[1:])}) "
                f"SELECT * FROM (VALUES {', '.join(one for _ in messages)}) "
                "WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?) RETURNING id",
                [value for m in messages for value in m.values(conversation_id, now)] + [conversation_id],
            ).fetchall()
            if not rows:
                raise NotFoundError(
                    f"no conversation {conversation_id!r}",
                    hint="list conversations with ChatService.list_conversations()",
                )
            model = next((m.model for m in reversed(messages) if m.role == "assistant" and m.model), None)
            if model is not None:
                con.execute(
                    "UPDATE conversations SET updated_at = ?, model = ? WHERE id = ?",
                    [now, model, conversation_id],
                )
            else:
                con.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", [now, conversation_id])
        return sorted(int(r[0]) for r in rows)  # the sequence numbers them in the order of the rows

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's messages in order, timestamps as ISO text (for JSON and the chat screen)."""
        return [_iso_dates(m) for m in message_rows(self.store, conversation_id)]

    def totals(self, *, conversation_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
        """Tokens and cost summed over one conversation or every conversation of a session."""
        if conversation_id is not None:
            sql, params = "WHERE m.conversation_id = ?", [conversation_id]
        elif session_id is not None:
            sql, params = "WHERE c.session_id = ?", [session_id]
        else:
            sql, params = "", []
        row = self.store.query(
            f"""SELECT coalesce(sum(m.prompt_tokens), 0), coalesce(sum(m.completion_tokens), 0),
                       coalesce(sum(m.cost_usd), 0), count(m.id)
                FROM chat_messages m JOIN conversations c ON c.id = m.conversation_id {sql}""",
            params,
        )[0]
        return {
            "prompt_tokens": int(row[0]),
            "completion_tokens": int(row[1]),
            "cost_usd": float(row[2]),
            "messages": int(row[3]),
        }

    def export(self, conversation_id: str) -> dict[str, Any]:
        """The conversation with every message and the list of recorded responses (for replay)."""
        conversation = self.get(conversation_id)
        messages = self.messages(conversation_id)
        responses = [
            m["content"]
            for m in messages
            if m["role"] == "assistant" and m["complete"] and not m["delegated_from"]
        ]
        return {
            "format": "axtui-conversation",
            "version": 1,
            "conversation": conversation,
            "messages": messages,
            "responses": responses,
            "totals": self.totals(conversation_id=conversation_id),
        }

    def import_record(self, record: dict[str, Any]) -> str:
        """Load an exported conversation into this database as a new conversation; returns its id."""
        if not isinstance(record, dict) or record.get("format") != "axtui-conversation":
            raise InputError("not an axtui conversation export", hint="export one with ChatService.export()")
        conv = record.get("conversation") or {}
        messages = [
            Message(
                m.get("role", "user"),
                m.get("content") or "",
                agent_id=m.get("agent_id"),
                model=m.get("model"),
                complete=bool(m.get("complete", True)),
                error=m.get("error"),
                delegated_from=m.get("delegated_from"),
                prompt_tokens=int(m.get("prompt_tokens") or 0),
                completion_tokens=int(m.get("completion_tokens") or 0),
                cost_usd=float(m.get("cost_usd") or 0.0),
            )
            for m in record.get("messages") or []
        ]
        with self.store.transaction():  # the conversation and its messages, or nothing
            new_id = self.create(
                conv.get("agent_id"),
                session_id=conv.get("session_id"),
                step_id=conv.get("step_id"),
                title=conv.get("title"),
                model=conv.get("model"),
            )
            if messages:
                self.add_messages(new_id, messages)
        return new_id


def dumps_export(record: dict[str, Any], fmt: str) -> str:
    """An export record as JSON or YAML text."""
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
    raise InputError(f"unknown export format {fmt!r}", hint="use json, yaml or md")
