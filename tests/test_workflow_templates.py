"""Templates and the condition language: strict substitution, structure kept, no eval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axtui.core.workflow.conditions import ConditionError, parse_condition
from axtui.core.workflow.fields import FormError, validate_form
from axtui.core.workflow.model import Field
from axtui.core.workflow.templates import MissingVariable, render, variables_in

VARS = {
    "name": "churn",
    "n": 3841,
    "p": 0.0022479,
    "obj": {"a": [1, {"b": "x"}]},
    "step-1": {"decision": "SHIP"},
    "flag": True,
    "none": None,
}


def test_whole_template_keeps_structure_and_inline_renders_json() -> None:
    assert render("{{obj}}", VARS) == {"a": [1, {"b": "x"}]}
    assert render("v={{obj}}", VARS) == 'v={"a": [1, {"b": "x"}]}'
    assert render("{{obj.a.1.b}}-{{n}}", VARS) == "x-3841"
    assert render({"k": ["{{step-1.decision}}", "{{p}}"]}, VARS) == {"k": ["SHIP", 0.0022479]}
    assert render("p={{p}} f={{flag}} z={{none}}", VARS) == "p=0.0022479 f=true z="


def test_missing_variable_names_step_and_variable() -> None:
    with pytest.raises(MissingVariable) as exc:
        render("key/{{versoin}}", VARS, step_id="store-it")
    assert exc.value.name == "versoin" and exc.value.where == "step store-it"
    with pytest.raises(MissingVariable):
        render("{{obj.a.5}}", VARS)


def test_variables_in_finds_nested_paths() -> None:
    assert sorted(variables_in({"a": ["{{x.y}} {{ z }}"], "b": "{{step-id.f.0}}"})) == [
        "step-id.f.0",
        "x.y",
        "z",
    ]


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40))
def test_text_without_templates_is_unchanged(text: str) -> None:
    assert render(text, VARS) == text


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("{{step-1.decision}} != 'NO_ACTION'", True),
        ("n > 1000 and p < 0.01", True),
        ("not flag or n == '3841'", True),
        ("lower(step-1.decision) in ['ship', 'extend']", True),
        ("len(missing(['a', 'B'], ['b'])) == 1", True),
        ("contains(name, 'CHU') and not empty(name)", True),
        ("(n < 10 or p > 1) and true", False),
        ("obj.a.0 >= 1", True),
    ],
)
def test_conditions(expr: str, expected: bool) -> None:
    assert parse_condition(expr).evaluate(VARS) is expected


def test_condition_value_form_and_errors() -> None:
    assert parse_condition("{{step-1.decision}}").evaluate(VARS) == "SHIP"
    with pytest.raises(ConditionError, match="position"):
        parse_condition("n > ")
    with pytest.raises(ConditionError, match="unknown function"):
        parse_condition("__import__('os')")
    with pytest.raises(ConditionError, match="unexpected character"):
        parse_condition("n; rm -rf /")
    with pytest.raises(ConditionError, match="cannot compare"):
        parse_condition("name < 3").evaluate(VARS)
    with pytest.raises(MissingVariable):
        parse_condition("ghost == 1").evaluate(VARS, step_id="s")


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_comparisons_agree_with_python(a: int, b: int) -> None:
    env = {"a": a, "b": b}
    for op, fn in (
        ("<", a < b),
        ("<=", a <= b),
        (">", a > b),
        (">=", a >= b),
        ("==", a == b),
        ("!=", a != b),
    ):
        assert parse_condition(f"a {op} b").evaluate(env) is fn
        assert parse_condition(f"not (a {op} b)").evaluate(env) is (not fn)


def test_form_validation_names_each_field(tmp_path) -> None:
    fields = [
        Field("rate", "number", min=0, max=1, required=True),
        Field(
            "mode",
            "choice",
            choices=["batch", "real-time"],
            default="batch",
            has_default=True,
            required=False,
        ),
        Field("data", "path", must_exist=True),
        Field("tags", "list", default=[], has_default=True, required=False),
        Field("ok", "bool", default=False, has_default=True, required=False),
    ]
    with pytest.raises(FormError) as exc:
        validate_form(
            "s", fields, {"rate": "1.5", "mode": "stream", "data": str(tmp_path / "nope.csv"), "extra": 1}
        )
    errs = exc.value.errors
    assert set(errs) == {"rate", "mode", "data", "extra"}
    assert "at most 1" in errs["rate"] and "not one of" in errs["mode"] and "file not found" in errs["data"]
    with pytest.raises(FormError) as exc:
        validate_form("s", fields, {"rate": "abc", "data": str(tmp_path)})
    assert exc.value.field == "rate" and "expected a number" in exc.value.errors["rate"]
    good = validate_form(
        "s", fields, {"rate": "0.25", "mode": "REAL-TIME", "data": str(tmp_path), "tags": "a, b", "ok": "yes"}
    )
    assert good == {"rate": 0.25, "mode": "real-time", "data": str(tmp_path), "tags": ["a", "b"], "ok": True}


def test_join_filter_reads_lists_as_prose_and_leaves_other_values_alone() -> None:
    from axtui.core.workflow.templates import render, variables_in

    variables = {"tags": ["p99 latency", "error rate"], "name": "churn"}
    assert render("guardrails: {{tags | join}}", variables) == "guardrails: p99 latency, error rate"
    assert render("guardrails: {{tags}}", variables) == 'guardrails: ["p99 latency", "error rate"]'
    assert render("model {{ name|join }}", variables) == "model churn"
    assert list(variables_in("{{tags | join}} and {{name}}")) == ["tags", "name"]
