"""Routing on whole words and phrases only, the fallback, and delegation limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axtui.core.personas import Persona, load_personas
from axtui.core.router import (
    W_ANTI,
    W_KEYWORD,
    W_PRIMARY,
    choose_delegate,
    phrase_in,
    plan_delegation,
    route,
    score_persona,
    tokens,
)


def persona(agent_id: str, **kw: object) -> Persona:
    base: dict[str, object] = {
        "display_name": agent_id.title(),
        "role": "Tester",
        "description": "",
        "system_prompt": "You are a tester.",
    }
    base.update(kw)
    return Persona(agent_id=agent_id, **base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def builtins() -> dict[str, Persona]:
    return load_personas()


def test_tokens_split_hyphenated_terms_into_parts() -> None:
    assert tokens("Set up CI-CD for ML_models, v2.1!") == [
        "set",
        "up",
        "ci",
        "cd",
        "for",
        "ml",
        "models",
        "v2",
        "1",
    ]


@pytest.mark.parametrize(
    ("query", "term", "hit"),
    [
        ("fix my html page", "ml", False),
        ("ml pipeline", "ml", True),
        ("ML-based scoring", "ml", True),
        ("we deploy on friday", "deploy", True),
        ("the deployment failed", "deploy", False),
        ("redeploy it", "deploy", False),
        ("set up ci-cd", "ci-cd", True),
        ("set up CI/CD", "ci-cd", True),
        ("set up ci cd", "ci-cd", True),
        ("set up ci-cd", "cd", True),  # parts of a hyphenated term match on their own
        ("a time-series split", "time series", True),
        ("a series of splits", "time-series", False),
        ("new features please", "feature", True),  # documented plural rule
        ("a feature store", "features", True),
        ("run an a/b test", "a/b test", True),
        ("run an ab test", "a/b test", False),
        ("k8s cluster", "k8s", True),
        ("kubernetes", "kube", False),
    ],
)
def test_phrase_matching_is_whole_word(query: str, term: str, hit: bool) -> None:
    assert phrase_in(query, term) is hit


@given(
    word=st.from_regex(r"[a-z]{2,8}", fullmatch=True),
    prefix=st.from_regex(r"[a-z]{0,3}", fullmatch=True),
    suffix=st.from_regex(r"[a-rt-z]{0,3}", fullmatch=True),
)
def test_a_term_never_matches_inside_a_longer_word(word: str, prefix: str, suffix: str) -> None:
    longer = prefix + word + suffix
    if longer == word:
        assert phrase_in(f"see {longer} here", word)
    else:
        assert not phrase_in(f"see {longer} here", word)


def test_ml_keyword_does_not_fire_on_html() -> None:
    only_ml = {"ml-bot": persona("ml-bot", keywords=["ml"]), "generalist": persona("generalist")}
    result = route("my HTML renders badly", only_ml)
    assert result.fallback and result.chosen.agent_id == "generalist"
    assert route("my ML model renders badly", only_ml).chosen.agent_id == "ml-bot"


def test_weights_and_reasons_are_reported() -> None:
    p = persona("dep", primary_intents=["deploy"], keywords=["canary", "deploy"], anti_keywords=["research"])
    score = score_persona("deploy a canary for research", p)
    assert score.score == pytest.approx(W_PRIMARY + 2 * W_KEYWORD + W_ANTI)
    assert "primary intent 'deploy' (+3)" in score.reasons
    assert "anti-keyword 'research' (-3)" in score.reasons


def test_not_for_tasks_subtract() -> None:
    p = persona("w", keywords=["report"], not_for_tasks=["computing statistics"])
    assert score_persona("write a report", p).score == pytest.approx(2.0)
    assert score_persona("write a report computing statistics", p).score == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("How should I split time-series data?", "data-scientist"),
        ("Build a churn prediction model using the customer dataset", "data-scientist"),
        ("Optimize model inference latency to under 50ms", "ml-engineer"),
        ("Set up model monitoring with drift detection", "mlops-engineer"),
        ("Create runbook for model rollback procedure", "writer"),
        ("Which features drifted? Explain the PSI and KS results", "ml-ops"),
        ("Review the pipeline architecture for scalability", "architect-review"),
        ("Write a Python function to load parquet files", "python-pro"),
        ("Ingest events from Kafka into the warehouse", "data-engineer"),
        ("Deploy with a canary rollout and blue-green fallback", "deployment-engineer"),
        ("Add authentication and rate limiting to the endpoint", "security-auditor"),
        ("Our p99 latency is bad, profile the service", "performance-engineer"),
    ],
)
def test_builtin_routing(builtins: dict[str, Persona], query: str, expected: str) -> None:
    result = route(query, builtins)
    assert result.chosen.agent_id == expected, result.scores[:3]
    assert not result.fallback
    assert result.scores[0].agent_id == expected and result.scores[0].score > 0
    assert [s.score for s in result.scores] == sorted((s.score for s in result.scores), reverse=True)


def test_fallback_when_nothing_scores(builtins: dict[str, Persona]) -> None:
    result = route("hello there", builtins)
    assert result.fallback and result.chosen.agent_id == "generalist"
    assert all(s.score <= 0 for s in result.scores)
    assert len(result.scores) == len(builtins)


def test_route_result_is_json_ready(builtins: dict[str, Persona]) -> None:
    data = route("deploy the model", builtins).to_dict()
    assert data["chosen"] in builtins and isinstance(data["scores"][0]["reasons"], list)


def test_delegation_respects_depth_and_refuses_cycles() -> None:
    a = persona("a", max_delegation_depth=2, preferred_delegates=["b", "c", "ghost"])
    b = persona("b", max_delegation_depth=1, preferred_delegates=["a", "c"])
    c = persona("c", max_delegation_depth=0, preferred_delegates=["a"])
    personas = {"a": a, "b": b, "c": c}
    assert plan_delegation(a, 0, ["a"], personas) == ["b", "c"]  # unknown 'ghost' skipped
    assert plan_delegation(a, 0, ["a"]) == ["b", "c", "ghost"]  # without the registry it cannot know
    assert plan_delegation(a, 2, ["a"], personas) == []  # depth limit reached
    assert plan_delegation(b, 0, ["a", "b"], personas) == ["c"]  # 'a' is in the chain: no cycle
    assert plan_delegation(c, 0, ["c"], personas) == []  # maxDelegationDepth 0
    assert plan_delegation(b, 1, ["a", "b"], personas) == []


def test_choose_delegate_picks_the_best_scoring_allowed_delegate(builtins: dict[str, Persona]) -> None:
    mlops = builtins["mlops-engineer"]
    chosen = choose_delegate(mlops, "compare experiment metrics and check significance", builtins)
    assert chosen is not None and chosen.agent_id == "data-scientist"
    assert choose_delegate(mlops, "anything", builtins, depth=1) is None
    assert choose_delegate(mlops, "anything", builtins, chain=["ml-engineer", "data-scientist"]) is None
