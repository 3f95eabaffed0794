"""Compute-step results as tables and terminal plots.

Each renderer takes the JSON-ready dict a compute function returned (the
shapes of docs/reference/json.md) and builds widgets; nothing here computes a
statistic. Unknown result shapes fall back to a generic key/value view, so a
new compute function is always shown, just less prettily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static
from textual_plotext import PlotextPlot

from axtui.present.format import cell, interval, markdown_literal, percent, pvalue, signed
from axtui.tui.widgets.fit_table import FitTable

SEVERITY_STYLE = {"none": "green", "moderate": "yellow", "significant": "bold red"}
ALERT_STYLE = {"GREEN": "bold green", "YELLOW": "bold yellow", "RED": "bold red"}
MAX_HISTOGRAMS = 4
GOOD_DECISIONS = {"SHIP", "PROMOTE", "GO", "NO_ACTION", "PASS", "OK"}
BAD_DECISIONS = {"ROLLBACK", "REJECT", "NO_GO", "NO_SHIP", "RETRAIN_URGENT", "FAIL", "ALERT"}


def fmt(value: Any, digits: int = 4) -> str:
    """A cell value in the one shared style (``axtui.present.format.cell``)."""
    return cell(value, digits)


def decision_style(label: str) -> str:
    """SHIP / PASS / GREEN green, ROLLBACK / FAIL / RED red, anything else amber."""
    if label in GOOD_DECISIONS or label == "GREEN":
        return "bold green"
    if label in BAD_DECISIONS or label == "RED":
        return "bold red"
    return "bold yellow"


def decision_text(decision: Any, reason: Any = None) -> Text:
    """A verdict in its colour (SHIP green, ROLLBACK red, others amber) with its reason."""
    label = decision.get("decision") if isinstance(decision, dict) else decision
    label = str(label)
    style = decision_style(label)
    text = Text("Decision: ", style="bold")
    text.append(label, style=style)
    if isinstance(decision, dict):
        reason = reason or decision.get("reason") or decision.get("rationale") or decision.get("reasons")
    if reason:
        text.append(f"  {reason if isinstance(reason, str) else '; '.join(map(str, reason))}", style="dim")
    return text


def _decision(result: dict[str, Any]) -> Static:
    reason = result.get("reason") or result.get("decision_reason")
    return Static(decision_text(result["decision"], reason), classes="result-summary decision")


def table(
    columns: list[str], rows: Iterable[list[Any]], *, lines: bool = False, classes: str = "result-table"
) -> FitTable:
    """A read-only table that fits the pane: ``"p:key"`` never wraps, ``"n:num"`` is sized to content.

    Cells may be rich ``Text`` (for colours) or plain values (formatted by ``axtui.present.format``).
    """
    return FitTable(columns, rows, lines=lines, classes=classes)


class BarPlot(PlotextPlot):
    """A bar chart; series with their own colour share the x labels (zeros elsewhere)."""

    def __init__(
        self,
        title: str,
        labels: list[str],
        series: list[tuple[str, list[float], str]],
        *,
        lines: list[float] | None = None,
    ) -> None:
        super().__init__(classes="result-plot")
        self.plot_title = title
        self.labels = labels
        self.series = series
        self.lines = lines or []

    def on_mount(self) -> None:
        plt = self.plt
        plt.title(self.plot_title)
        for name, values, colour in self.series:
            if any(values):
                plt.bar(self.labels, values, color=colour, label=name, width=0.6)
        for y in self.lines:
            plt.hline(y, "gray")
        top = max([max(values) for _, values, _ in self.series if values] + self.lines + [0.0])
        plt.ylim(0, top * 1.1 if top > 0 else 1)


class CIPlot(PlotextPlot):
    """Differences with their 95% CI as horizontal bars around a zero line."""

    def __init__(self, title: str, rows: list[tuple[str, float, float, float, bool]]) -> None:
        super().__init__(classes="result-plot")
        self.plot_title = title
        self.rows = rows

    def on_mount(self) -> None:
        plt = self.plt
        plt.title(self.plot_title)
        ys = list(range(1, len(self.rows) + 1))
        for y, (_, diff, lo, hi, significant) in zip(ys, self.rows, strict=True):
            colour = "green" if significant and diff > 0 else "red" if significant else "orange"
            plt.plot([lo, hi], [y, y], color=colour, marker="hd")
            plt.scatter([diff], [y], color=colour, marker="●")
        plt.vline(0, "gray")
        plt.yticks(ys, [r[0] for r in self.rows])
        plt.ylim(0, len(self.rows) + 1)


class HistogramPlot(PlotextPlot):
    """Reference vs current distribution of one column (proportions per bin)."""

    def __init__(self, title: str, labels: list[str], reference: list[float], current: list[float]) -> None:
        super().__init__(classes="result-plot")
        self.plot_title = title
        self.labels = labels
        self.reference = reference
        self.current = current

    def on_mount(self) -> None:
        plt = self.plt
        plt.title(self.plot_title)
        plt.multiple_bar(
            self.labels,
            [self.reference, self.current],
            labels=["reference", "current"],
            color=["blue", "orange"],
        )


# -- renderers per compute function ---------------------------------------------------------------
def _drift(result: dict[str, Any]) -> Iterable[Widget]:
    level = str(result.get("alert_level", ""))
    head = Text("Alert level: ", style="bold")
    head.append(level or "—", style=ALERT_STYLE.get(level, "bold"))
    head.append(
        f"   reference rows {fmt(result.get('reference_rows'))} · current rows "
        f"{fmt(result.get('current_rows'))}",
        style="dim",
    )
    top = result.get("top_drifted") or []
    if top:
        head.append(f"\nTop drifted: {', '.join(map(str, top))}")
    yield Static(head, classes="result-summary")
    columns = result.get("columns") or []
    rows = []
    for col in columns:
        sev = str(col.get("severity") or "none")
        p_raw = col.get("ks_pvalue") if col.get("ks_pvalue") is not None else col.get("chi2_pvalue")
        rows.append(
            [
                col.get("name"),
                Text(sev, style=SEVERITY_STYLE.get(sev, "")),
                Text("yes", style="bold red") if col.get("drifted") else Text("no", style="green"),
                col.get("psi"),
                pvalue(p_raw),
                col.get("votes"),
                col.get("kind"),
                col.get("wasserstein"),
                col.get("js_distance"),
            ]
        )
    if rows:
        # Key cells first (severity, drifted): at 80×24 they are on screen before any scrolling.
        yield table(
            [
                "column",
                "severity:key",
                "drifted:key",
                "PSI:num",
                "p (KS/χ²):num",
                "votes:num",
                "kind:key",
                "Wass.:num",
                "JS:num",
            ],
            rows,
        )
        names = [str(c.get("name")) for c in columns]
        series = []
        for sev, colour in (("none", "green"), ("moderate", "orange"), ("significant", "red")):
            series.append(
                (
                    sev,
                    [
                        float(c.get("psi") or 0) if (c.get("severity") or "none") == sev else 0.0
                        for c in columns
                    ],
                    colour,
                )
            )
        yield BarPlot("PSI per column (0.1 moderate, 0.25 significant)", names, series, lines=[0.1, 0.25])
    histograms = result.get("histograms") or {}
    ranked = sorted(columns, key=lambda c: -(c.get("psi") or 0))
    shown = [c for c in ranked if isinstance(histograms.get(c.get("name")), dict)][:MAX_HISTOGRAMS]
    for col in shown:
        dist = histograms[col["name"]]
        if dist.get("reference") and dist.get("current"):
            labels = [str(x) for x in (dist.get("labels") or range(1, len(dist["reference"]) + 1))]
            sev = str(col.get("severity") or "none")
            yield HistogramPlot(
                f"{col['name']} ({sev}, PSI {fmt(col.get('psi'), 3)}): reference vs current",
                labels,
                [float(x) for x in dist["reference"]],
                [float(x) for x in dist["current"]],
            )


def _ab_analyze(result: dict[str, Any]) -> Iterable[Widget]:
    if result.get("decision") is not None:
        yield _decision(result)
    srm = result.get("srm") or {}
    if srm:
        alert = srm.get("alert")
        text = Text("Sample ratio check: ", style="bold")
        text.append("ALERT (p < 0.001)" if alert else "ok", style="bold red" if alert else "green")
        text.append(f"  χ² {fmt(srm.get('statistic'))}, p {fmt(srm.get('p_value'))}", style="dim")
        yield Static(text, classes="result-summary")
    metrics = result.get("metrics") or []
    rows, ci_rows = [], []
    for m in metrics:
        ci = m.get("ci95") or [None, None]
        sig = bool(m.get("significant"))
        arm = m.get("arm")
        rows.append(
            [
                f"{m.get('metric')}" + (f" ({arm})" if arm and arm != "treatment" else ""),
                m.get("test"),
                pvalue(m.get("p_value")),
                Text("yes", style="bold green") if sig else Text("no", style="dim"),
                percent(m.get("relative_lift")),
                signed(m.get("abs_diff")),
                interval(ci[0], ci[1]),
                m.get("control_mean"),
                m.get("treatment_mean"),
            ]
        )
        if None not in (ci[0], ci[1], m.get("abs_diff")):
            # Metrics differ in scale (a rate, milliseconds): plot each as % of its control mean.
            base = abs(float(m.get("control_mean") or 0)) or 1.0
            scale = 100.0 / base
            ci_rows.append(
                (
                    f"{m.get('metric')}:{m.get('arm')}",
                    float(m["abs_diff"]) * scale,
                    float(ci[0]) * scale,
                    float(ci[1]) * scale,
                    sig,
                )
            )
    if rows:
        # The verdict columns (test, p, significant) first; the means after (they scroll at 80×24).
        yield table(
            [
                "metric",
                "test:key",
                "p:key",
                "sig.:key",
                "lift:num",
                "diff:num",
                "95% CI:key",
                "control:num",
                "treatment:num",
            ],
            rows,
        )
    if ci_rows:
        yield CIPlot("Treatment − control, % of the control mean, with 95% CI", ci_rows)


def _confusion(matrix: Any) -> Iterable[Widget]:
    if isinstance(matrix, dict) and "matrix" in matrix:
        labels = [str(x) for x in matrix.get("labels") or range(len(matrix["matrix"]))]
        cells = matrix["matrix"]
    elif isinstance(matrix, list):
        labels = [str(i) for i in range(len(matrix))]
        cells = matrix
    else:
        return
    yield Label("Confusion matrix (rows: true, columns: predicted)", classes="section-title")
    rows = []
    for i, (label, row) in enumerate(zip(labels, cells, strict=False)):
        total = sum(row) or 1
        rows.append(
            [Text(label, style="bold")]
            + [
                Text(fmt(v), style="bold green" if i == j else ("red" if v / total > 0.1 else ""))
                for j, v in enumerate(row)
            ]
        )
    yield table(["true \\ pred", *(f"{label}:num" for label in labels)], rows)


def _fairness_tables(fairness: dict[str, Any]) -> Iterable[Widget]:
    for column, info in fairness.items():
        if not isinstance(info, dict):
            continue
        verdict = info.get("four_fifths")
        verdict_label = verdict.get("verdict") if isinstance(verdict, dict) else verdict
        text = Text(f"Fairness by {column}: ", style="bold")
        style = {"PASS": "bold green", "WARNING": "bold yellow", "FAIL": "bold red"}.get(
            str(verdict_label), ""
        )
        text.append(str(verdict_label or "—"), style=style)
        text.append(
            f"  parity diff {fmt(info.get('demographic_parity_difference'))}, ratio "
            f"{fmt(info.get('demographic_parity_ratio'))}, equal opp. "
            f"{fmt(info.get('equal_opportunity_difference'))}, eq. odds "
            f"{fmt(info.get('equalized_odds_difference'))}",
            style="dim",
        )
        yield Static(text, classes="result-summary")
        groups = info.get("groups") or {}
        yield table(
            ["group", "count:num", "selection rate:num", "TPR:num", "FPR:num", "accuracy:num"],
            [
                [g, v.get("count"), v.get("selection_rate"), v.get("tpr"), v.get("fpr"), v.get("accuracy")]
                for g, v in groups.items()
            ],
        )


def _evaluate(result: dict[str, Any]) -> Iterable[Widget]:
    if result.get("decision") is not None:
        yield _decision(result)
    metrics = result.get("metrics") or {}
    ci = result.get("ci95") or {}
    head = Text(f"{result.get('task', '')} · {fmt(result.get('rows'))} rows", style="bold")
    yield Static(head, classes="result-summary")
    flat = [(k, v) for k, v in metrics.items() if not isinstance(v, dict | list)]
    if flat:
        with_ci = [k for k, _ in flat if isinstance(ci.get(k), list) and len(ci[k]) == 2]
        if with_ci:  # a CI column only when some metric has one (never an empty column)
            yield table(
                ["metric", "value:num", "95% CI:key"],
                [[k, v, interval(*ci[k]) if k in with_ci else None] for k, v in flat],
            )
        else:
            yield table(["metric", "value:num"], [[k, v] for k, v in flat])
    if result.get("confusion_matrix") is not None:
        yield from _confusion(result["confusion_matrix"])
    per_class = result.get("per_class")
    if isinstance(per_class, dict) and per_class:
        keys = sorted({k for v in per_class.values() if isinstance(v, dict) for k in v})
        yield table(
            ["class", *(f"{k}:num" for k in keys)],
            [[c, *[v.get(k) for k in keys]] for c, v in per_class.items() if isinstance(v, dict)],
        )
    elif isinstance(per_class, list) and per_class:
        yield from _generic_list("per class", per_class)
    if isinstance(result.get("fairness"), dict):
        yield from _fairness_tables(result["fairness"])


def _fairness(result: dict[str, Any]) -> Iterable[Widget]:
    fairness = result.get("fairness") if isinstance(result.get("fairness"), dict) else result
    yield from _fairness_tables({k: v for k, v in fairness.items() if isinstance(v, dict) and "groups" in v})


def _generic_list(title: str, items: list[Any]) -> Iterable[Widget]:
    if items and all(isinstance(i, dict) for i in items):
        keys = list(dict.fromkeys(k for i in items for k in i))
        yield Label(title, classes="section-title")
        yield table(keys, [[i.get(k) for k in keys] for i in items])
    else:
        yield Static(f"[b]{title}[/b]: {fmt(items)}", classes="result-summary")


def _checks(result: dict[str, Any]) -> Iterable[Widget]:
    passed, total = result.get("passed", 0), result.get("total", 0)
    head = Text(
        f"{passed}/{total} checks passed", style="bold green" if result.get("all_passed") else "bold red"
    )
    yield Static(head, classes="result-summary")
    rows = []
    for i, item in enumerate(result.get("results") or [], start=1):
        ok = bool(item.get("passed"))
        rows.append(
            [
                i,
                item.get("title"),
                Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red"),
                item.get("reason"),
            ]
        )
    yield table(["#:num", "check", "result:key", "reason"], rows, lines=True)


def _generic(result: dict[str, Any]) -> Iterable[Widget]:
    if result.get("decision") is not None:
        yield _decision(result)
    scalars = [
        (k, v)
        for k, v in result.items()
        if k not in ("decision", "markdown") and not isinstance(v, dict | list)
    ]
    if scalars:
        yield table(["field", "value"], scalars)
    if isinstance(result.get("markdown"), str):
        yield Markdown(markdown_literal(result["markdown"]), classes="result-summary")
    for key, value in result.items():
        if key in ("decision", "markdown"):
            continue
        if isinstance(value, list):
            yield from _generic_list(key, value)
        elif isinstance(value, dict):
            inner = [(k, v) for k, v in value.items()]
            yield Label(key, classes="section-title")
            yield table(["field", "value"], inner)


RENDERERS: dict[str, Callable[[dict[str, Any]], Iterable[Widget]]] = {
    "drift": _drift,
    "prediction_drift": _drift,
    "ab_analyze": _ab_analyze,
    "evaluate": _evaluate,
    "fairness": _fairness,
    "checks": _checks,
}


class ComputeResultView(VerticalScroll):
    """The result of one compute step, by the compute function that produced it."""

    def __init__(self, fn: str, result: Any, *, title: str = "") -> None:
        super().__init__()
        self.fn = fn
        self.result = result
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(
            f"Result of [b]{self.fn}[/b]{' · ' + self.title if self.title else ''}", classes="section-title"
        )
        if not isinstance(self.result, dict):
            yield Static(fmt(self.result), classes="result-summary")
            return
        renderer = RENDERERS.get(self.fn, _generic)
        yield from renderer(self.result)
