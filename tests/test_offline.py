"""The offline provider: same path as a real model, deterministic, useful, never invents a number."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axtui.config import Settings
from axtui.core.chat import build_messages
from axtui.core.llm import LLMClient, litellm_module
from axtui.core.offline import (
    LABEL,
    OFFLINE_MODEL,
    TO_ANSWER,
    chunk_text,
    offline_answer,
    parse_messages,
    task_questions,
)
from axtui.core.personas import Persona, get_persona

SKILL_TASK = """Define the ML problem.

## Problem Definition

| Aspect | Detail |
|--------|--------|
| Problem type | ... |
| Target variable | ... |
| Business metric | ... |
| Success threshold | ... |

## Monitoring and Drift

| Monitor | Tool | Threshold | Action |
|---------|------|-----------|--------|
| Data drift | ... | ... | ... |

- What is the prediction target? What does "correct" look like?
- What is the business metric this model optimizes?
- What is the minimum viable performance to ship?
"""

FACTS = {
    "problem_type": "binary classification",
    "target_variable": "churned_30d",
    "business_metric": "retained revenue",
    "data_drift": {"tool": "axtui drift", "threshold": 0.1, "action": "RETRAIN"},
    "comparison": {"decision": "PROMOTE", "p_value": 0.0123, "improvement": 0.034},
    "features": [
        {"feature": "tenure_days", "source": "crm", "leakage_risk": "Low"},
        {"feature": "spend_30d", "source": "billing", "leakage_risk": "Med"},
    ],
}


@pytest.fixture(scope="module")
def scientist() -> Persona:
    return get_persona("data-scientist")


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def test_messages_round_trip_through_the_parser(scientist: Persona) -> None:
    messages = build_messages(scientist, SKILL_TASK, FACTS, [{"role": "user", "content": "Go ahead"}])
    ctx = parse_messages(messages)
    assert ctx.facts == FACTS
    assert ctx.task == SKILL_TASK.strip()
    assert (ctx.name, ctx.role, ctx.question) == ("Dana", "Senior Data Scientist", "Go ahead")
    assert not ctx.follow_up
    assert any("walk-forward" in line for line in ctx.guidance)


def test_first_answer_restates_decisions_fills_tables_and_lists_open_questions(scientist: Persona) -> None:
    text = offline_answer(
        build_messages(scientist, SKILL_TASK, FACTS, [{"role": "user", "content": SKILL_TASK}])
    )
    assert text.startswith(LABEL)
    assert "**comparison.decision: PROMOTE**" in text
    assert "| comparison.p_value | 0.0123 |" in text
    assert "| Problem type | binary classification |" in text
    assert "| Target variable | churned_30d |" in text
    assert "| Business metric | retained revenue |" in text
    assert f"| Success threshold | {TO_ANSWER} |" in text
    assert "| Data drift | axtui drift | 0.1 | RETRAIN |" in text
    assert "| tenure_days | crm | Low |" in text  # a list of records becomes its own table
    still = text.split("### Still to answer", 1)[1].split("###", 1)[0]
    assert "What is the minimum viable performance to ship?" in still
    assert "business metric" not in still  # answered by the business_metric fact
    assert 'What does "correct" look like?' in still


def test_follow_up_points_at_the_relevant_facts(scientist: Persona) -> None:
    history = [
        {"role": "user", "content": SKILL_TASK},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "Why PROMOTE, and how small was the p value?"},
    ]
    text = offline_answer(build_messages(scientist, SKILL_TASK, FACTS, history))
    assert "**Your question:** Why PROMOTE, and how small was the p value?" in text
    relevant = text.split("### Facts that bear on it", 1)[1].split("###", 1)[0]
    assert "| comparison.p_value | 0.0123 |" in relevant
    assert "| comparison.decision | PROMOTE |" in relevant
    assert "tenure_days" not in relevant


def test_question_without_facts_answers_from_the_persona(scientist: Persona) -> None:
    question = "How should I split time-series data?"
    text = offline_answer(build_messages(scientist, None, None, [{"role": "user", "content": question}]))
    assert "never random-split or shuffle temporal data" in text
    assert "walk-forward" in text
    assert "Still to answer" not in text  # the user's own question is not an open item of a task
    assert numbers(text) == []


def test_task_questions_strip_markers() -> None:
    assert task_questions("1. **Hypothesis**: What are we testing?\n- Is it significant? Yes.") == [
        "What are we testing?",
        "Is it significant?",
    ]


def test_chunks_rejoin_exactly() -> None:
    text = "word " * 40 + "a-very-long-token-without-spaces-at-all-here"
    pieces = chunk_text(text)
    assert "".join(pieces) == text and len(pieces) > 5 and all(len(p) <= 24 for p in pieces)


# -- never invents a number -------------------------------------------------------

json_leaf = st.one_of(
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=12),
)
fact_keys = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
facts_strategy = st.dictionaries(
    fact_keys,
    st.recursive(
        json_leaf,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(fact_keys, inner, max_size=3)),
        max_leaves=8,
    ),
    max_size=6,
)
text_strategy = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "Sm")), max_size=80
)


MLOPS = get_persona("mlops-engineer")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy, task=text_strategy, question=text_strategy, follow=st.booleans())
def test_every_digit_comes_from_the_facts_or_the_users_text(
    facts: dict[str, Any], task: str, question: str, follow: bool
) -> None:
    task = task + "\n| Aspect | Detail |\n|---|---|\n| " + (next(iter(facts), "x")) + " | ... |\n"
    history = [{"role": "user", "content": task}]
    if follow:
        history += [{"role": "assistant", "content": "earlier"}, {"role": "user", "content": question}]
    persona = MLOPS  # its prompt is full of digits that must not leak
    messages = build_messages(persona, task, facts, history)
    text = offline_answer(messages)
    sources = json.dumps(facts, indent=2, ensure_ascii=False) + "\n" + task + "\n" + question
    for number in numbers(text):
        assert number in sources, (number, text)


# -- through LiteLLM ------------------------------------------------------------------


def test_litellm_path_streams_the_same_text_as_the_direct_path(scientist: Persona) -> None:
    messages = build_messages(scientist, SKILL_TASK, FACTS, [{"role": "user", "content": SKILL_TASK}])
    pieces: list[str] = []
    via_litellm = LLMClient(Settings()).stream(messages, on_delta=pieces.append)
    direct_pieces: list[str] = []
    direct = LLMClient(Settings(), offline_direct=True).stream(messages, on_delta=direct_pieces.append)
    assert via_litellm.text == direct.text == offline_answer(messages)
    assert len(pieces) > 10 and "".join(pieces) == via_litellm.text
    assert via_litellm.model == OFFLINE_MODEL and via_litellm.offline
    assert (via_litellm.prompt_tokens, via_litellm.completion_tokens, via_litellm.cost_usd) == (0, 0, 0.0)


def test_offline_is_a_registered_litellm_provider(scientist: Persona) -> None:
    litellm = litellm_module()
    assert any(e["provider"] == "axtui" for e in litellm.custom_provider_map)
    messages = build_messages(scientist, None, None, [{"role": "user", "content": "hi"}])
    response = litellm.completion(model=OFFLINE_MODEL, messages=messages)
    assert response.choices[0].message.content == offline_answer(messages)
    chunks = [
        c.choices[0].delta.content
        for c in litellm.completion(model=OFFLINE_MODEL, messages=messages, stream=True)
    ]
    assert "".join(c for c in chunks if c) == offline_answer(messages)
