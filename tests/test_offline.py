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


# -- a narrator worth reading (decision, rule, key numbers, next actions; follow-ups from facts) --

AB_TASK = """Based on analysis, make a decision about the experiment.

## Decision Framework

| Significance | Practical Impact | Guardrails | Decision |
|--------------|------------------|------------|----------|
| Yes | Positive | Pass | SHIP |
| Yes | Negative | - | ROLLBACK |
| No | - | Pass | EXTEND or NO_SHIP |

## If SHIP
- Rollout plan (gradual vs immediate)
- Monitoring requirements

## If ROLLBACK
- Root cause hypothesis
"""

AB_FACTS = {
    "ab-decision": {
        "decision": "SHIP",
        "reason": "significant positive effect and every guardrail passes",
        "decision_rule": "significant and positive, guardrails pass",
        "inputs": {"significant": True, "impact": "positive", "guardrails_pass": True},
    },
    "verdict": {"inputs": {"significant": True, "smaller_arm_n": 2000}},
    "ab-analysis": {
        "srm": {"statistic": 0.0, "p_value": 1.0, "alert": False},
        "metrics": [
            {
                "metric": "converted",
                "arm": "treatment",
                "test": "chi2",
                "statistic": 9.3351,
                "p_value": 0.0022,
                "significant": True,
                "control_std": 0.296,
            }
        ],
    },
}


def test_first_answer_leads_with_the_decision_the_rule_and_the_next_steps() -> None:
    engineer = get_persona("ml-engineer")
    text = offline_answer(build_messages(engineer, AB_TASK, AB_FACTS, [{"role": "user", "content": AB_TASK}]))
    decision = text.split("### Decision", 1)[1].split("###", 1)[0]
    assert (
        "**ab-decision.decision: SHIP** — significant positive effect and every guardrail passes" in decision
    )
    assert "Rule that fired: significant and positive, guardrails pass." in decision
    assert "| **Yes** | **Positive** | **Pass** | **SHIP** ← this session |" in text
    assert "| Yes | Negative | - | ROLLBACK |" in text  # "-" means "any" in a rules table: not a hole
    steps = text.split("### Next steps for SHIP", 1)[1]
    assert "- Rollout plan (gradual vs immediate)" in steps and "Root cause hypothesis" not in steps
    assert "`chi2` — a chi-squared test" in text  # how the test was chosen, in words
    # each fact once: the verdict's copy of "significant" is not listed again
    assert text.count("significant = true") == 1 and "verdict.inputs.significant" not in text
    assert "| verdict.inputs.smaller_arm_n | 2000 |" in text


def test_the_marked_row_never_contradicts_the_inputs() -> None:
    """A significant but underpowered test is EXTEND by axtui's table; the task's EXTEND row says "No"
    significance, so marking it would contradict the inputs. The row of the conditions is marked instead,
    with the rule that decided first."""
    facts = {
        "ab-decision": {
            "decision": "EXTEND",
            "decision_rule": {
                "table": "ab",
                "row": "underpowered",
                "text": "the smaller arm is below the required sample size and sequential testing is off",
                "inputs": {
                    "significant": True,
                    "impact": "positive",
                    "guardrails_pass": True,
                    "sample_adequate": False,
                },
            },
        }
    }
    engineer = get_persona("ml-engineer")
    text = offline_answer(build_messages(engineer, AB_TASK, facts, [{"role": "user", "content": AB_TASK}]))
    assert "| No | - | Pass | EXTEND or NO_SHIP |" in text  # not marked
    assert (
        "| **Yes** | **Positive** | **Pass** | **SHIP** ← this session's conditions (decided EXTEND) |"
        in text
    )
    assert "EXTEND came from an earlier rule, the smaller arm is below the required sample size" in text
    assert "(row `underpowered` of the `ab` table)" in text
    facts["ab-decision"]["decision_rule"]["inputs"]["significant"] = False
    text = offline_answer(build_messages(engineer, AB_TASK, facts, [{"role": "user", "content": AB_TASK}]))
    assert "| **No** | **-** | **Pass** | **EXTEND or NO_SHIP** ← this session |" in text
    assert "earlier rule" not in text


def test_step_answers_echo_no_style_rules_and_no_off_topic_advice() -> None:
    scientist = get_persona("data-scientist")
    task = "Design the A/B experiment: hypothesis, primary metric and guardrails."
    text = offline_answer(build_messages(scientist, task, {"primary_metric": "converted"}, []))
    assert "Markdown" not in text and "Use Markdown tables" not in text
    assert "fairness" not in text.lower() and "How Dana approaches this" not in text


def test_follow_up_says_which_test_was_used_and_why_without_repeating_every_fact() -> None:
    scientist = get_persona("data-scientist")
    history = [
        {"role": "user", "content": AB_TASK},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "Which test suits converted, and why?"},
    ]
    text = offline_answer(build_messages(scientist, AB_TASK, AB_FACTS, history))
    relevant = text.split("### Facts that bear on it", 1)[1]
    assert "**converted** (ab-analysis.metrics): arm = treatment" in relevant
    assert "test = chi2" in relevant and "p_value = 0.0022" in relevant
    assert "yes/no (binary) outcome" in relevant  # the why
    assert "srm.statistic" not in text and "### Key numbers" not in text  # no facts dump
    assert "The computed decision stands: **SHIP** (ab-decision.decision)." in text
    assert "Still to answer" not in text


def test_the_offline_stream_comes_word_by_word_and_a_pace_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from axtui.core import offline

    pieces = chunk_text("one two three four five six seven eight nine ten " * 3)
    assert len(pieces) >= 15 and all(len(p) <= offline.CHUNK_CHARS for p in pieces)
    monkeypatch.delenv(offline.PACE_ENV, raising=False)
    assert offline.stream_pace(100) == 0.0  # headless and tests: no sleeps
    offline.set_stream_pace(0.05)
    try:
        assert offline.stream_pace(10) == 0.05
        assert offline.stream_pace(1000) == pytest.approx(offline.MAX_STREAM_SECONDS / 1000)
        monkeypatch.setenv(offline.PACE_ENV, "0")
        assert offline.stream_pace(10) == 0.0
    finally:
        offline.set_stream_pace(0.0)


def test_method_explanations_hold_no_digits() -> None:
    from axtui.core.narrator.methods import METHODS

    assert all(not numbers(sentence) for sentence in METHODS.values())


def test_a_structured_rule_and_its_confidence_are_stated_once() -> None:
    facts = {
        "ab-decision": {
            "decision": "SHIP",
            "reason": "significant positive effect and every guardrail passes",
            "rule": {
                "table": "ab",
                "row": "ship",
                "text": "significant positive effect and every guardrail passes",
            },
            "confidence": "HIGH",
            "confidence_rule": {"row": "significant_adequate", "text": "adequate sample, no SRM"},
        }
    }
    text = offline_answer(build_messages(get_persona("ml-engineer"), AB_TASK, facts, []))
    assert "Rule that fired: row `ship` of the `ab` table." in text
    assert "Confidence: HIGH — adequate sample, no SRM (row `significant_adequate`)." in text
    assert text.count("significant positive effect and every guardrail passes") == 1
    assert "### Key numbers" not in text  # everything was said with the decision
