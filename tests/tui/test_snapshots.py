"""Pictures of every screen this package owns, at 80×24 and 120×40, taken once the screen has settled.

Ids and times are frozen (sequential session ids, the store's FakeClock), and the prompt step's
answer comes from the offline provider, so the SVGs are the same on every run.
Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult

from axtui.tui.screens.home import HomeScreen
from axtui.tui.screens.session import DONE_VIEW
from axtui.tui.widgets.results import ComputeResultView
from tests.tui.conftest import viewing, wait_until, workers_done

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def until_viewing(step: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await wait_until(pilot, lambda: viewing(pilot.app) == step, tries=300)
        await pilot.pause(0.1)
        await workers_done(pilot.app)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, make_app, engine, monkeypatch, size) -> None:
    from axtui.core import personas

    real = personas.load_personas
    keep = ("data-scientist", "ml-engineer", "mlops-engineer", "writer")
    monkeypatch.setattr(
        personas,
        "load_personas",  # a fixed set: the catalogue of personas grows
        lambda dirs=None: {k: v for k, v in real(dirs).items() if k in keep},
    )
    engine.start("tui-demo", {"project": "churn"}, strict=False)
    engine.memory.store("ml-experiments", "churn-goal", {"metric": "f1", "target": 0.85})

    async def run_before(pilot: Any) -> None:
        await wait_until(
            pilot,
            lambda: isinstance(pilot.app.screen, HomeScreen) and pilot.app.screen.summary.personas != [],
        )
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_session_form_with_an_error(snap_compare, make_app, demo_session, size) -> None:
    session_id = demo_session("goal")

    async def run_before(pilot: Any) -> None:
        await until_viewing("goal")(pilot)
        await pilot.press(*"1.5", "enter")
        await pilot.pause(0.1)

    assert snap_compare(make_app(start={"session": session_id}), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_session_prompt_chat(snap_compare, make_app, demo_session, size) -> None:
    # The answer is stored beforehand, so the picture shows it loaded from the database (streamed
    # Markdown can be split into blocks differently from run to run; streaming is tested in test_session).
    session_id = demo_session("plan", first_answer=True)

    async def run_before(pilot: Any) -> None:
        from axtui.tui.widgets.chat_view import ChatView

        await until_viewing("plan")(pilot)
        chat = pilot.app.screen.query_one(ChatView)
        await wait_until(pilot, lambda: not chat.generating and bool(chat.last_answer), tries=300)
        await pilot.pause(0.1)

    assert snap_compare(make_app(start={"session": session_id}), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_session_compute_result(snap_compare, make_app, demo_session, size) -> None:
    session_id = demo_session("score")
    assert snap_compare(
        make_app(start={"session": session_id}), terminal_size=size, run_before=until_viewing("score")
    )


@pytest.mark.parametrize("size", SIZES)
def test_session_tool_record(snap_compare, make_app, demo_session, size) -> None:
    session_id = demo_session("save")
    assert snap_compare(
        make_app(start={"session": session_id}), terminal_size=size, run_before=until_viewing("save")
    )


@pytest.mark.parametrize("size", SIZES)
def test_session_complete(snap_compare, make_app, demo_session, size) -> None:
    session_id = demo_session("(end)")
    assert snap_compare(
        make_app(start={"session": session_id}), terminal_size=size, run_before=until_viewing(DONE_VIEW)
    )


@pytest.mark.parametrize("size", SIZES)
def test_error_modal(snap_compare, make_app, size) -> None:
    async def run_before(pilot: Any) -> None:
        await wait_until(
            pilot,
            lambda: isinstance(pilot.app.screen, HomeScreen) and pilot.app.screen.summary.personas != [],
        )
        pilot.app.show_error(
            "session failed: RuntimeError: disk on fire",
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
            "RuntimeError: disk on fire",
        )
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


# -- compute result views with the shapes of docs/reference/json.md ---------------------------------
DRIFT = {
    "reference_rows": 5000,
    "current_rows": 5000,
    "alert_level": "RED",
    "top_drifted": ["income", "age", "plan"],
    "columns": [
        {
            "name": "income",
            "kind": "numeric",
            "psi": 0.41,
            "ks_pvalue": 1.2e-40,
            "wasserstein": 0.52,
            "js_distance": 0.27,
            "chi2_pvalue": None,
            "votes": 4,
            "drifted": True,
            "severity": "significant",
        },
        {
            "name": "age",
            "kind": "numeric",
            "psi": 0.14,
            "ks_pvalue": 3.0e-6,
            "wasserstein": 0.18,
            "js_distance": 0.11,
            "chi2_pvalue": None,
            "votes": 4,
            "drifted": True,
            "severity": "moderate",
        },
        {
            "name": "plan",
            "kind": "categorical",
            "psi": 0.02,
            "ks_pvalue": None,
            "wasserstein": None,
            "js_distance": 0.05,
            "chi2_pvalue": 0.21,
            "votes": 0,
            "drifted": False,
            "severity": "none",
        },
    ],
    "histograms": {
        "income": {
            "labels": ["<20k", "20-40k", "40-60k", "60-80k", ">80k"],
            "reference": [0.2, 0.3, 0.25, 0.15, 0.1],
            "current": [0.05, 0.15, 0.25, 0.3, 0.25],
        },
        "age": {
            "labels": ["<25", "25-35", "35-50", ">50"],
            "reference": [0.2, 0.35, 0.3, 0.15],
            "current": [0.12, 0.33, 0.35, 0.2],
        },
    },
}
AB = {
    "srm": {"statistic": 0.42, "p_value": 0.52, "alert": False},
    "metrics": [
        {
            "metric": "converted",
            "arm": "treatment",
            "control_mean": 0.10,
            "treatment_mean": 0.118,
            "abs_diff": 0.018,
            "relative_lift": 0.18,
            "ci95": [0.006, 0.030],
            "test": "chi2",
            "statistic": 8.7,
            "p_value": 0.0032,
            "significant": True,
        },
        {
            "metric": "latency_ms",
            "arm": "treatment",
            "control_mean": 212.0,
            "treatment_mean": 215.5,
            "abs_diff": 3.5,
            "relative_lift": 0.0165,
            "ci95": [-1.2, 8.2],
            "test": "welch",
            "statistic": 1.46,
            "p_value": 0.14,
            "significant": False,
        },
    ],
    "decision": {"decision": "SHIP", "reason": "primary metric up, guardrails flat"},
}
EVALUATE = {
    "task": "classification",
    "rows": 1000,
    "metrics": {"accuracy": 0.87, "f1_macro": 0.84, "roc_auc": 0.91},
    "ci95": {"accuracy": [0.85, 0.89]},
    "confusion_matrix": {"labels": ["no", "yes"], "matrix": [[610, 40], [90, 260]]},
    "fairness": {
        "gender": {
            "groups": {
                "f": {"count": 480, "selection_rate": 0.31, "tpr": 0.72, "fpr": 0.06, "accuracy": 0.86},
                "m": {"count": 520, "selection_rate": 0.35, "tpr": 0.76, "fpr": 0.07, "accuracy": 0.88},
            },
            "demographic_parity_difference": 0.04,
            "demographic_parity_ratio": 0.886,
            "equal_opportunity_difference": 0.04,
            "equalized_odds_difference": 0.04,
            "four_fifths": "PASS",
        }
    },
}


CHECKS = {
    "passed": 7,
    "total": 10,
    "all_passed": False,
    "results": [
        {
            "id": "business-metric",
            "title": "Problem definition includes a clear business metric, not just an ML metric",
            "passed": False,
            "reason": "no business metric beyond the ML metric "
            "(business metric: '', evaluation metric: 'roc_auc')",
        },
        {
            "id": "leakage",
            "title": "Feature engineering pipeline has no leakage",
            "passed": True,
            "reason": "5 of 5 features are computed strictly before the prediction date",
        },
        {
            "id": "ab-size",
            "title": "A/B test has a sample size",
            "passed": True,
            "reason": "3,841 per variant, 8 days at 10,000 units/day",
        },
    ],
}


class ResultHarness(App[None]):
    """One compute result view with the app's stylesheet, as the session screen shows it."""

    CSS_PATH = "../../axtui/tui/axtui.tcss"

    def __init__(self, fn: str, result: dict[str, Any]) -> None:
        super().__init__()
        self.fn = fn
        self.result = result

    def compose(self) -> ComposeResult:
        yield ComputeResultView(self.fn, self.result, title="example")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("fn", "result"),
    [("drift", DRIFT), ("ab_analyze", AB), ("evaluate", EVALUATE), ("checks", CHECKS)],
    ids=["drift", "ab", "evaluate", "checks"],
)
def test_compute_result_views(snap_compare, fn, result, size) -> None:
    assert snap_compare(ResultHarness(fn, result), terminal_size=size)


FAILING = """\
workflowId: tui-fails
name: TUI fails
description: A compute that cannot read its file.
version: "1.0"
steps:
  - stepId: analyse
    name: Analyse the events
    type: compute
    config:
      fn: ab_analyze
      args: {events: "/no/such/events.csv", variant_col: variant, control: control, metrics: [converted]}
"""


@pytest.mark.parametrize("size", SIZES)
def test_session_failed_step(snap_compare, make_app, demo_workflows, size) -> None:
    (demo_workflows / "tui-fails.yaml").write_text(FAILING, encoding="utf-8")

    async def run_before(pilot: Any) -> None:
        await wait_until(
            pilot,
            lambda: (
                viewing(pilot.app) == "analyse"
                and "failed" in str(pilot.app.screen.query_one("#step-status").render())
            ),
            tries=300,
        )
        for toast in pilot.app.query("Toast"):  # the toast's timer would race the picture
            toast.remove()
        await pilot.pause()

    assert snap_compare(make_app(start={"workflow": "tui-fails"}), terminal_size=size, run_before=run_before)


# 120×40 only: at 80×24 the picture depends on when the focused field is scrolled into view
# (flaky under load); the scrolling itself is asserted in test_forms.py at 80×24.
@pytest.mark.parametrize("size", [pytest.param((120, 40), id="120x40")])
def test_session_form_list_and_threshold_order(snap_compare, make_app, demo_workflows, size) -> None:
    from tests.tui.test_forms import FORMS

    (demo_workflows / "tui-forms.yaml").write_text(FORMS, encoding="utf-8")

    async def run_before(pilot: Any) -> None:
        from textual.widgets import Input

        await until_viewing("design")(pilot)
        box = pilot.app.screen.query_one("#input-psi_moderate", Input)
        box.focus()
        box.value = ""
        await pilot.press(*"0.3")
        error = pilot.app.screen.query_one("#error-psi_significant")
        await wait_until(pilot, lambda: error.has_class("-shown"))
        scroll = pilot.app.screen.query_one("#form-scroll")
        last = None
        for _ in range(50):  # the focused field is scrolled into view after a refresh: let it settle
            await pilot.pause()
            state = (scroll.scroll_y, scroll.max_scroll_y)
            if state == last:
                break
            last = state

    assert snap_compare(make_app(start={"workflow": "tui-forms"}), terminal_size=size, run_before=run_before)
