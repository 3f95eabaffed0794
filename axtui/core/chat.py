"""A conversation turn end to end: persist the question, stream the answer, persist the answer.

``ChatService`` is what the TUI, the workflow engine and ``axtui agent run`` call. Its promise:
a provider failure never raises out of :meth:`ChatService.asend`; the user's message is already
saved, any partial answer is saved with ``complete = False`` and the error, and the next send
works at once. A recorded response (``recorded=``) is replayed through the same streaming path
without calling a model, which is how ``--batch`` reproduces a session exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from axtui.config import Settings
from axtui.core.aio import DeltaCallback, call_delta, chunk_text, run_sync
from axtui.core.conversations import Conversations, Message, dumps_export
from axtui.core.personas import Persona, get_persona, load_personas
from axtui.core.store import Store
from axtui.errors import AxtuiError, InputError

if TYPE_CHECKING:
    from axtui.core.llm import LLMClient, LLMError

# A recorded turn (every persona step of a ``--batch`` replay) needs neither the LLM client
# nor the offline narrator: ``axtui.core.llm`` and ``axtui.core.offline`` are imported where a
# model is actually called or named (bench/batch.md).

RECORDED_MODEL = "recorded"
FACTS_NOTE = (
    "These facts were computed by axtui's tested code from the user's data and answers. "
    "Quote numbers and decisions exactly as given; never change, re-derive or invent a number. "
    "If something you need is missing, say which fact is missing."
)


def build_messages(
    persona: Persona, task: str | None, facts: dict[str, Any] | None, history: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Messages for one turn: system = persona prompt + task + a fenced ```json facts block; then history.

    The offline provider parses this same layout back (``axtui.core.offline``), so the task and
    facts sections use its headings.
    """
    from axtui.core import offline

    system = persona.system_prompt.rstrip()
    if task:
        system += f"\n\n{offline.TASK_HEADING}\n{task.strip()}"
    if facts:
        block = json.dumps(facts, indent=2, ensure_ascii=False, default=str)
        system += f"\n\n{offline.FACTS_HEADING}\n{FACTS_NOTE}\n```json\n{block}\n```"
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for item in history:
        role = item.get("role")
        if role in ("user", "assistant") and item.get("content") is not None:
            messages.append({"role": role, "content": str(item["content"])})
    return messages


class TurnOptions(TypedDict, total=False):
    """What a turn may be given beside its text and persona, declared once for ``asend``,
    ``adelegate`` and the turn they share: the facts and task of the system prompt, a callback per
    streamed piece, a recorded answer replayed instead of asking the model, the provider timeout,
    and the conversation's messages when the caller has just read them (or knows there are none
    yet), so they are not read again."""

    facts: dict[str, Any] | None
    task: str | None
    on_delta: DeltaCallback | None
    recorded: str | None
    timeout: float | None
    stored: list[dict[str, Any]] | None  # the conversation's messages, when the caller has them


@dataclass
class TurnResult:
    """The outcome of one turn; ``error`` is set (and ``complete`` false) when it failed."""

    text: str
    complete: bool
    model: str
    offline: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: AxtuiError | None = None
    conversation_id: str | None = None
    message_id: int | None = None
    agent_id: str | None = None
    delegated_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "complete": self.complete,
            "model": self.model,
            "offline": self.offline,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": self.cost_usd,
            },
            "error": self.error.to_dict() if self.error else None,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "agent_id": self.agent_id,
            "delegated_from": self.delegated_from,
        }


class ChatService:
    """Conversations with personas, persisted turn by turn in the store."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        client: LLMClient | None = None,
        personas: dict[str, Persona] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self._client = client
        self.conversations = Conversations(store)
        self._personas = personas

    @property
    def client(self) -> LLMClient:
        """The LLM client, made on first use (a replay of recorded turns never needs one)."""
        if self._client is None:
            from axtui.core.llm import LLMClient

            self._client = LLMClient(self.settings)
        return self._client

    @client.setter
    def client(self, client: LLMClient) -> None:
        self._client = client

    # -- personas --
    @property
    def personas(self) -> dict[str, Persona]:
        if self._personas is None:
            self._personas = load_personas()
        return self._personas

    def _persona(self, persona: Persona | str) -> Persona:
        return persona if isinstance(persona, Persona) else get_persona(persona, self.personas)

    def model_for(self, persona: Persona | str) -> str:
        """The model a turn with this persona would use (persona > --model > config > offline)."""
        return self.client.resolve_model(self._persona(persona).model)

    # -- conversations --
    def new_conversation(
        self,
        agent_id: str,
        *,
        session_id: str | None = None,
        step_id: str | None = None,
        title: str | None = None,
    ) -> str:
        return self.conversations.create(agent_id, session_id=session_id, step_id=step_id, title=title)

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        return self.conversations.messages(conversation_id)

    def list_conversations(
        self, *, session_id: str | None = None, agent_id: str | None = None, limit: int | None = 50
    ) -> list[dict[str, Any]]:
        return self.conversations.list(session_id=session_id, agent_id=agent_id, limit=limit)

    def history(
        self, conversation_id: str, stored: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Prior exchanges a model should see: each user message answered by a complete reply.

        Failed turns (a user message with no complete answer) and delegated sub-turns are left
        out, so a retried question is not sent twice.
        """
        out: list[dict[str, Any]] = []
        pending: dict[str, Any] | None = None
        for m in self.conversations.messages(conversation_id) if stored is None else stored:
            if m["delegated_from"]:
                continue
            if m["role"] == "user":
                pending = m
            elif m["role"] == "assistant" and m["complete"] and pending is not None:
                out += [
                    {"role": "user", "content": pending["content"]},
                    {"role": "assistant", "content": m["content"]},
                ]
                pending = None
        return out

    # -- turns --
    async def asend(
        self,
        conversation_id: str,
        text: str | None,
        *,
        persona: Persona | str,
        **turn: Unpack[TurnOptions],
    ) -> TurnResult:
        """One turn: never raises for provider failures (see ``TurnResult.error``)."""
        persona = self._persona(persona)
        if turn.get("stored") is None:
            turn["stored"] = self.conversations.messages(conversation_id)
        history = self.history(conversation_id, turn["stored"])
        return await self._turn(
            conversation_id, text, persona=persona, history=history, delegated_from=None, **turn
        )

    def send(self, conversation_id: str, text: str | None, **kwargs: Any) -> TurnResult:
        """Sync :meth:`asend` for the CLI and the headless engine."""
        return run_sync(self.asend(conversation_id, text, **kwargs))

    async def adelegate(
        self,
        conversation_id: str,
        question: str,
        *,
        persona: Persona | str,
        delegate: Persona | str,
        depth: int = 0,
        chain: list[str] | tuple[str, ...] = (),
        **turn: Unpack[TurnOptions],
    ) -> TurnResult:
        """Hand ``question`` from ``persona`` to ``delegate`` as a recorded sub-turn.

        Refused with InputError when the delegate is not allowed at this ``depth`` (the persona's
        ``maxDelegationDepth``) or is already in ``chain`` (a cycle). Both messages are stored
        with ``delegated_from`` = the delegating persona.
        """
        from axtui.core.router import plan_delegation

        source = self._persona(persona)
        target = self._persona(delegate)
        chain = tuple(chain) or (source.agent_id,)
        allowed = plan_delegation(source, depth, chain, self.personas)
        if target.agent_id not in allowed:
            if target.agent_id in chain:
                reason = f"{target.agent_id!r} is already in the delegation chain {' -> '.join(chain)}"
            elif depth >= source.max_delegation_depth:
                reason = (
                    f"{source.agent_id!r} may delegate {source.max_delegation_depth} level(s) deep "
                    f"and this is level {depth + 1}"
                )
            else:
                reason = f"{target.agent_id!r} is not one of {source.agent_id!r}'s preferred delegates"
            raise InputError(
                f"delegation refused: {reason}",
                hint=f"allowed delegates here: {', '.join(allowed) or 'none'}",
            )
        return await self._turn(
            conversation_id, question, persona=target, history=[], delegated_from=source.agent_id, **turn
        )

    def delegate(self, conversation_id: str, question: str, **kwargs: Any) -> TurnResult:
        return run_sync(self.adelegate(conversation_id, question, **kwargs))

    async def _turn(
        self,
        conversation_id: str,
        text: str | None,
        *,
        persona: Persona,
        history: list[dict[str, Any]],
        delegated_from: str | None,
        **turn: Unpack[TurnOptions],
    ) -> TurnResult:
        task, on_delta = turn.get("task"), turn.get("on_delta")
        recorded, timeout = turn.get("recorded"), turn.get("timeout")
        text = text if text and text.strip() else task
        if not text or not text.strip():
            raise InputError("nothing to send: the message is empty", hint="type a question")
        asked = self._awaiting_answer(conversation_id, text, delegated_from, turn.get("stored"))
        question: tuple[Message, ...] = ()
        if not asked:
            question = (Message("user", text, agent_id=persona.agent_id, delegated_from=delegated_from),)
        pieces: list[str] = []

        async def collect(piece: str) -> None:
            pieces.append(piece)
            await call_delta(on_delta, piece)

        def finish(
            result: TurnResult, error_text: str | None = None, *, first: tuple[Message, ...] = ()
        ) -> TurnResult:
            answer = Message(
                "assistant",
                result.text,
                agent_id=persona.agent_id,
                model=result.model,
                complete=result.complete,
                error=error_text,
                delegated_from=delegated_from,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                cost_usd=result.cost_usd,
            )
            result.message_id = self.conversations.add_messages(conversation_id, [*first, answer])[-1]
            result.conversation_id = conversation_id
            result.agent_id = persona.agent_id
            result.delegated_from = delegated_from
            return result

        if recorded is not None:
            # No model call to wait for: the question and its recorded answer land in one statement
            # (which also refuses a conversation that does not exist, writing nothing).
            for piece in chunk_text(recorded):
                await collect(piece)
            recorded_answer = TurnResult(text=recorded, complete=True, model=RECORDED_MODEL, offline=True)
            return finish(recorded_answer, first=question)
        self.conversations.get(conversation_id)  # NotFoundError before anything is written
        if question:
            self.conversations.add_messages(conversation_id, list(question))
        facts = turn.get("facts")
        return await self._model_turn(finish, collect, persona, task, facts, history, text, timeout, pieces)

    async def _model_turn(
        self,
        finish: Any,
        collect: DeltaCallback,
        persona: Persona,
        task: str | None,
        facts: dict[str, Any] | None,
        history: list[dict[str, Any]],
        text: str,
        timeout: float | None,
        pieces: list[str],
    ) -> TurnResult:
        """The turn's answer from the model (``finish`` stores it, complete or not)."""
        import asyncio

        from axtui.core.llm import LLMError, classify

        model = self.client.resolve_model(persona.model)
        is_offline = self.client.is_offline(model)
        messages = build_messages(persona, task, facts, [*history, {"role": "user", "content": text}])
        try:
            done = await self.client.astream(
                messages,
                model=model,
                temperature=persona.temperature,
                max_tokens=persona.max_tokens,
                timeout=timeout,
                on_delta=collect,
            )
        except asyncio.CancelledError:
            finish(
                TurnResult(text="".join(pieces), complete=False, model=model, offline=is_offline),
                "interrupted: the answer was stopped before it finished",
            )
            raise
        except LLMError as err:
            return self._failed(finish, err, pieces, model, is_offline)
        except Exception as exc:  # anything else from the provider stack is still a failed turn
            err = classify(
                exc,
                model=model,
                api_base=self.client.api_base_for(model),
                timeout=timeout or self.client.timeout,
                partial="".join(pieces),
            )
            return self._failed(finish, err, pieces, model, is_offline)
        return finish(
            TurnResult(
                text=done.text,
                complete=True,
                model=done.model,
                offline=done.offline,
                prompt_tokens=done.prompt_tokens,
                completion_tokens=done.completion_tokens,
                cost_usd=done.cost_usd,
            )
        )

    def _awaiting_answer(
        self,
        conversation_id: str,
        text: str,
        delegated_from: str | None,
        stored: list[dict[str, Any]] | None = None,
    ) -> bool:
        """True when the conversation already ends with this very question and no answer: a turn
        that a crash or kill cut off before its answer was written. Asking again reuses that
        message instead of storing the question twice."""
        if stored is None:
            stored = self.conversations.messages(conversation_id)
        if not stored:
            return False
        last = stored[-1]
        return (
            last["role"] == "user"
            and last["content"] == text
            and (last["delegated_from"] or None) == (delegated_from or None)
        )

    @staticmethod
    def _failed(finish: Any, err: LLMError, pieces: list[str], model: str, is_offline: bool) -> TurnResult:
        from axtui.core.llm import redact

        partial = "".join(pieces) or err.partial
        result = TurnResult(text=partial, complete=False, model=model, offline=is_offline, error=err)
        return finish(result, redact(err.render()))

    # -- export --
    def export_record(self, conversation_id: str) -> dict[str, Any]:
        """The conversation, its messages and its recorded responses (for record/replay)."""
        return self.conversations.export(conversation_id)

    def recorded_responses(self, conversation_id: str) -> list[str]:
        """The complete assistant answers in order: what ``recorded=`` replays."""
        return self.conversations.export(conversation_id)["responses"]

    def export(self, conversation_id: str, fmt: str = "json") -> str:
        """``json`` / ``yaml`` (full record, replayable) or ``md`` (a readable chat transcript)."""
        if fmt == "md":
            text = self.export_markdown(conversation_id)
        else:
            text = dumps_export(self.export_record(conversation_id), fmt)
        from axtui.core.llm import redact

        return redact(text)

    def export_markdown(self, conversation_id: str) -> str:
        from axtui.core import offline

        conv = self.conversations.get(conversation_id)
        persona = self.personas.get(conv["agent_id"] or "")
        who = f"{persona.display_name} ({persona.role})" if persona else (conv["agent_id"] or "assistant")
        title = conv["title"] or f"Chat with {who}"
        lines = [
            f"# {title}",
            "",
            f"- conversation: `{conversation_id}`",
            f"- persona: {who}",
            f"- started: {conv['created_at']}",
            "",
        ]
        for m in self.conversations.messages(conversation_id):
            speaker_persona = self.personas.get(m["agent_id"] or "")
            if m["role"] == "user":
                speaker = "You" if not m["delegated_from"] else f"{m['delegated_from']} (delegating)"
            else:
                name = speaker_persona.display_name if speaker_persona else (m["agent_id"] or "assistant")
                label = "offline" if m["model"] == offline.OFFLINE_MODEL else m["model"]
                speaker = f"{name} · {label}"
            lines.append(f"### {speaker}")
            lines.append("")
            lines.append(m["content"] or "_(no text)_")
            if not m["complete"]:
                lines += ["", f"> incomplete: {m['error'] or 'the answer did not finish'}"]
            lines.append("")
        totals = self.conversations.totals(conversation_id=conversation_id)
        lines.append(
            f"_tokens: {totals['prompt_tokens']} prompt, {totals['completion_tokens']} completion; "
            f"cost: ${totals['cost_usd']:.6f}_"
        )
        return "\n".join(lines) + "\n"
