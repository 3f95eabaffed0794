"""ChatService: persistence turn by turn, history, record/replay, export, delegation, interruption."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml

from axtui.config import Settings
from axtui.core.chat import RECORDED_MODEL, ChatService, build_messages
from axtui.core.conversations import Conversations
from axtui.core.llm import LLMClient
from axtui.core.offline import FACTS_HEADING, LABEL, OFFLINE_MODEL, TASK_HEADING, offline_answer
from axtui.core.personas import get_persona
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError


@pytest.fixture
def service(store: Store) -> ChatService:
    # the direct offline path: same text as through LiteLLM (tests/test_offline.py), no import cost
    return ChatService(store, Settings(), client=LLMClient(Settings(), offline_direct=True))


def test_build_messages_layout() -> None:
    persona = get_persona("writer")
    history = [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "tool", "content": "ignored"},
        {"role": "user", "content": "q2"},
    ]
    messages = build_messages(persona, "Write the notice.", {"version": "2.1.0", "delta": 0.034}, history)
    system = messages[0]["content"]
    assert messages[0]["role"] == "system" and system.startswith(persona.system_prompt.rstrip())
    assert f"{TASK_HEADING}\nWrite the notice." in system
    facts_block = system.split(FACTS_HEADING, 1)[1]
    assert json.loads(facts_block.split("```json\n", 1)[1].split("\n```", 1)[0]) == {
        "version": "2.1.0",
        "delta": 0.034,
    }
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user"]
    bare = build_messages(persona, None, None, [])
    assert bare == [{"role": "system", "content": persona.system_prompt.rstrip()}]


def test_offline_turn_is_persisted_and_labelled(service: ChatService) -> None:
    conversation = service.new_conversation("data-scientist", session_id="s1", step_id="define", title="t")
    pieces: list[str] = []
    result = service.send(
        conversation, "How should I split time-series data?", persona="data-scientist", on_delta=pieces.append
    )
    assert result.complete and result.offline and result.model == OFFLINE_MODEL
    assert result.text.startswith(LABEL) and "".join(pieces) == result.text and len(pieces) > 5
    assert (result.prompt_tokens, result.completion_tokens, result.cost_usd) == (0, 0, 0.0)
    stored = service.messages(conversation)
    assert [(m["role"], m["agent_id"], m["complete"]) for m in stored] == [
        ("user", "data-scientist", True),
        ("assistant", "data-scientist", True),
    ]
    assert stored[1]["content"] == result.text and stored[1]["id"] == result.message_id
    listed = service.list_conversations(session_id="s1")
    assert [c["id"] for c in listed] == [conversation] and listed[0]["messages"] == 2
    assert listed[0]["model"] == OFFLINE_MODEL and listed[0]["step_id"] == "define"


def test_task_is_sent_when_text_is_empty(service: ChatService) -> None:
    conversation = service.new_conversation("data-scientist")
    facts = {"decision": "ITERATE", "p_value": 0.21}
    result = service.send(conversation, None, persona="data-scientist", task="Compare the runs.", facts=facts)
    assert "**decision: ITERATE**" in result.text and "| p_value | 0.21 |" in result.text
    assert service.messages(conversation)[0]["content"] == "Compare the runs."
    with pytest.raises(InputError):
        service.send(conversation, "  ", persona="data-scientist")


def test_a_question_cut_off_by_a_crash_is_not_stored_twice(service: ChatService) -> None:
    conversation = service.new_conversation("data-scientist")
    # the process died after storing the question and before any answer
    service.conversations.add_message(conversation, "user", "Compare the runs.", agent_id="data-scientist")
    result = service.send(conversation, None, persona="data-scientist", task="Compare the runs.")
    assert result.complete
    assert [(m["role"], m["content"][:17]) for m in service.messages(conversation)] == [
        ("user", "Compare the runs."),
        ("assistant", result.text[:17]),
    ]
    service.send(conversation, "Compare the runs.", persona="data-scientist")  # answered: a new turn
    assert [m["role"] for m in service.messages(conversation)] == ["user", "assistant", "user", "assistant"]


def test_history_is_resent_and_follow_ups_use_it(service: ChatService) -> None:
    conversation = service.new_conversation("data-scientist")
    facts = {"decision": "PROMOTE", "p_value": 0.004}
    first = service.send(conversation, None, persona="data-scientist", task="Compare.", facts=facts)
    follow = service.send(
        conversation, "What was the p value?", persona="data-scientist", task="Compare.", facts=facts
    )
    assert "**Your question:** What was the p value?" in follow.text and "| p_value | 0.004 |" in follow.text
    assert service.history(conversation) == [
        {"role": "user", "content": "Compare."},
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "What was the p value?"},
        {"role": "assistant", "content": follow.text},
    ]


def test_recorded_response_replays_without_a_model(store: Store) -> None:
    class NoModel(LLMClient):
        async def astream(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise AssertionError("a recorded turn must not call the model")

    service = ChatService(store, Settings(), client=NoModel(Settings()))
    conversation = service.new_conversation("writer")
    pieces: list[str] = []
    recorded = "Model churn v2.1.0 is promoted. " * 5
    result = service.send(
        conversation, "Write it", persona="writer", recorded=recorded, on_delta=pieces.append
    )
    assert result.text == recorded and result.model == RECORDED_MODEL and result.complete
    assert "".join(pieces) == recorded and len(pieces) > 3
    assert service.messages(conversation)[1]["model"] == RECORDED_MODEL


def test_a_recorded_turn_writes_question_and_answer_together(service: ChatService, store: Store) -> None:
    """One statement for both (no model call between them), in order, the conversation touched."""
    conversation = service.new_conversation("writer")
    before = store.query("SELECT updated_at FROM conversations WHERE id = ?", [conversation])[0][0]
    result = service.send(conversation, "Write it", persona="writer", recorded="Done.")
    rows = store.query(
        "SELECT id, role, content, model FROM chat_messages WHERE conversation_id = ? ORDER BY id",
        [conversation],
    )
    assert [r[1:] for r in rows] == [("user", "Write it", None), ("assistant", "Done.", RECORDED_MODEL)]
    assert result.message_id == rows[1][0]
    after, model = store.query("SELECT updated_at, model FROM conversations WHERE id = ?", [conversation])[0]
    assert after >= before and model == RECORDED_MODEL


def test_a_recorded_turn_to_a_missing_conversation_writes_nothing(service: ChatService, store: Store) -> None:
    with pytest.raises(NotFoundError, match="c-missing"):
        service.send("c-missing", "hi", persona="writer", recorded="an answer")
    assert store.query("SELECT count(*) FROM chat_messages")[0][0] == 0


def test_messages_of_an_unknown_role_are_refused_before_anything_is_written(store: Store) -> None:
    from axtui.core.conversations import Message

    conversations = Conversations(store)
    conversation = conversations.create("writer")
    with pytest.raises(InputError, match="unknown chat role"):
        conversations.add_messages(conversation, [Message("user", "a"), Message("robot", "b")])
    assert store.query("SELECT count(*) FROM chat_messages")[0][0] == 0


def test_export_and_replay_round_trip(service: ChatService, store: Store) -> None:
    conversation = service.new_conversation("data-scientist", title="Split advice")
    answers = [
        service.send(conversation, q, persona="data-scientist").text
        for q in ("How should I split time-series data?", "And for imbalanced classes?")
    ]
    record = json.loads(service.export(conversation, "json"))
    assert record["format"] == "axtui-conversation" and record["responses"] == answers
    assert yaml.safe_load(service.export(conversation, "yaml")) == record
    # replay the recorded responses into a fresh conversation: identical answers, no model
    replay = service.new_conversation("data-scientist")
    replayed = [
        service.send(replay, q["content"], persona="data-scientist", recorded=r).text
        for q, r in zip(
            [m for m in record["messages"] if m["role"] == "user"], record["responses"], strict=True
        )
    ]
    assert replayed == answers
    # and an export can be imported as a new conversation
    copy = Conversations(store).import_record(record)
    assert [m["content"] for m in service.messages(copy)] == [m["content"] for m in record["messages"]]


def test_markdown_export(service: ChatService) -> None:
    conversation = service.new_conversation("writer")
    service.send(conversation, "Create runbook for model rollback procedure", persona="writer")
    text = service.export(conversation, "md")
    assert text.startswith("# Chat with Wren (Technical Writer)")
    assert "### You\n\nCreate runbook for model rollback procedure" in text
    assert "### Wren · offline" in text and "_tokens: 0 prompt, 0 completion; cost: $0.000000_" in text
    with pytest.raises(InputError):
        service.export(conversation, "pdf")


def test_unknown_conversation_is_not_found(service: ChatService) -> None:
    with pytest.raises(NotFoundError):
        service.send("c-missing", "hi", persona="writer")


def test_delegation_is_recorded_and_limited(service: ChatService) -> None:
    conversation = service.new_conversation("mlops-engineer")
    service.send(conversation, "Set up monitoring", persona="mlops-engineer")
    sub = service.delegate(
        conversation, "Which statistical test fits?", persona="mlops-engineer", delegate="data-scientist"
    )
    assert sub.complete and sub.delegated_from == "mlops-engineer" and sub.agent_id == "data-scientist"
    assert "Dana" in sub.text
    stored = service.messages(conversation)
    assert [(m["role"], m["agent_id"], m["delegated_from"]) for m in stored[2:]] == [
        ("user", "data-scientist", "mlops-engineer"),
        ("assistant", "data-scientist", "mlops-engineer"),
    ]
    assert len(service.history(conversation)) == 2  # the sub-turn is not replayed to the main persona
    # depth: mlops-engineer may delegate one level deep only
    with pytest.raises(InputError, match="level"):
        service.delegate(
            conversation,
            "q",
            persona="mlops-engineer",
            delegate="data-scientist",
            depth=1,
            chain=["x", "mlops-engineer"],
        )
    # cycle: data-scientist may not hand back to a persona already in the chain
    with pytest.raises(InputError, match="already in the delegation chain"):
        service.delegate(
            conversation,
            "q",
            persona="data-scientist",
            delegate="ml-engineer",
            depth=0,
            chain=["ml-engineer", "data-scientist"],
        )
    with pytest.raises(InputError, match="not one of"):
        service.delegate(conversation, "q", persona="mlops-engineer", delegate="writer")
    assert len(service.messages(conversation)) == 4  # refused delegations write nothing


async def test_cancelled_turn_keeps_partial_text(service: ChatService) -> None:
    conversation = service.new_conversation("data-scientist")
    first_piece = asyncio.Event()

    async def on_delta(piece: str) -> None:
        first_piece.set()
        await asyncio.sleep(0)

    task = asyncio.create_task(
        service.asend(
            conversation, "How should I split time-series data?", persona="data-scientist", on_delta=on_delta
        )
    )
    await first_piece.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stored = service.messages(conversation)[-1]
    assert stored["role"] == "assistant" and stored["complete"] is False and "interrupted" in stored["error"]
    assert stored["content"] and offline_answer(
        build_messages(
            get_persona("data-scientist"),
            None,
            None,
            [{"role": "user", "content": "How should I split time-series data?"}],
        )
    ).startswith(stored["content"])
    again = await service.asend(
        conversation, "How should I split time-series data?", persona="data-scientist"
    )
    assert again.complete


def test_totals_sum_per_session(store: Store) -> None:
    conversations = Conversations(store)
    a = conversations.create("writer", session_id="s")
    b = conversations.create("writer", session_id="s")
    conversations.add_message(
        a, "assistant", "x", model="m", prompt_tokens=3, completion_tokens=4, cost_usd=0.5
    )
    conversations.add_message(
        b, "assistant", "y", model="m", prompt_tokens=10, completion_tokens=1, cost_usd=0.25
    )
    assert conversations.totals(session_id="s") == {
        "prompt_tokens": 13,
        "completion_tokens": 5,
        "cost_usd": 0.75,
        "messages": 2,
    }
    with pytest.raises(InputError):
        conversations.add_message(a, "robot", "z")
