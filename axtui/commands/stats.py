"""``axtui ab size|srm|analyze``, ``axtui evaluate``, ``axtui features``, ``axtui experiments compare``.

Each command calls one function of ``axtui.stats`` and prints its §8 JSON
document with ``--json`` or rich tables otherwise. The stats modules (polars,
scipy) are imported inside the commands so that ``axtui --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from axtui.commands.experiments import compare_stored, experiments_app
from axtui.commands.progress import column_progress, progress_option
from axtui.errors import InputError
from axtui.present import output
from axtui.values import NotANumber, to_number

ab_app = typer.Typer(
    name="ab",
    help="A/B testing: sample size, sample ratio mismatch, analysis.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(ab_app, name="ab")
    app.command("evaluate")(evaluate_command)
    app.command("features")(features_command)


# --- formatting helpers ----------------------------------------------------------------------------


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table cell, in the one shared style (``axtui.present.format``)."""
    from axtui.present.format import number

    return number(value, digits)


def _pct(value: float | None) -> str:
    from axtui.present.format import percent

    return percent(value, 2)


def _kv(con: Console, title: str, rows: list[tuple[str, Any]]) -> None:
    """A titled two-column table of named numbers (sample size, metrics, latency)."""
    from axtui.present import tables

    cells = [[Text(name, style="bold"), fmt(value)] for name, value in rows]
    tables.show(con, ["name:key", "value:num"], cells, title=title, show_header=False)


def _split_numbers(text: str, option: str) -> list[float]:
    try:
        return [to_number(part) for part in text.split(",") if part.strip()]
    except NotANumber:
        raise InputError(f"{option} must be comma-separated numbers (got {text!r})", where=option) from None


def _json_arg(text: str, option: str) -> dict[str, Any]:
    """A JSON object of metric -> number, given inline or as @file.json."""
    from axtui.commands.json_arg import json_object

    return json_object(text, option, "e.g. '{\"accuracy\": 0.91}' or @metrics.json")


# --- ab ------------------------------------------------------------------------------------------


@ab_app.command("size")
def ab_size(
    ctx: typer.Context,
    baseline: float | None = typer.Option(None, "--baseline", help="Baseline conversion rate, e.g. 0.10"),
    mde: float = typer.Option(..., "--mde", help="Minimum detectable effect (absolute unless --relative)"),
    relative: bool = typer.Option(False, "--relative", help="Read --mde relative to the baseline"),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level"),
    power: float = typer.Option(0.8, "--power", help="Statistical power 1 - beta"),
    std: float | None = typer.Option(
        None,
        "--std",
        help="For a mean metric: its standard deviation "
        "(then --mde is a difference in means and --baseline is not used)",
    ),
    ratio: float = typer.Option(
        1.0, "--ratio", help="Unequal allocation: treatment units per control unit (e.g. 2 for 1:2)"
    ),
) -> None:
    """Per-variant sample size for two proportions (or, with --std, two means)."""
    from axtui.stats import sample_size

    if std is not None:
        if relative:
            raise InputError("--relative applies to proportions only", where="--relative")
        data = sample_size.sample_size_means(std, mde, alpha=alpha, power=power, ratio=ratio)
        title = f"Sample size for a difference of {fmt(data['mde'])} in means (sd {fmt(std)})"
    else:
        if baseline is None:
            raise InputError(
                "--baseline is required (or --std for a mean metric)",
                where="--baseline",
                hint="e.g. axtui ab size --baseline 0.1 --mde 0.02",
            )
        data = sample_size.sample_size_proportions(
            baseline, mde, relative=relative, alpha=alpha, power=power, ratio=ratio
        )
        title = f"Sample size for {fmt(data['baseline'])} → {fmt(data['target'])}"

    def human(con: Console) -> None:
        _kv(
            con,
            title,
            [
                *(
                    [("control", data["per_arm"]["control"]), ("treatment", data["per_arm"]["treatment"])]
                    if "per_arm" in data
                    else [("per variant", data["per_variant"])]
                ),
                ("total", data["total"]),
                ("alpha", data["alpha"]),
                ("power", data["power"]),
            ],
        )

    output.emit(ctx, data, human)


@ab_app.command("srm")
def ab_srm(
    ctx: typer.Context,
    counts: str = typer.Option(..., "--counts", help="Observed units per arm, e.g. 5000,5100"),
    weights: str | None = typer.Option(None, "--weights", help="Planned split, e.g. 50,50 (default equal)"),
) -> None:
    """Sample ratio mismatch: χ² goodness of fit; alert when p < 0.001."""
    from axtui.stats import ab

    data = ab.srm(
        _split_numbers(counts, "--counts"), _split_numbers(weights, "--weights") if weights else None
    )

    def human(con: Console) -> None:
        _kv(con, "Sample ratio mismatch", [("χ²", data["statistic"]), ("p-value", data["p_value"])])
        con.print(
            "[bold red]ALERT: the arm sizes do not match the planned split[/]"
            if data["alert"]
            else "[green]no sample ratio mismatch (p ≥ 0.001)[/]"
        )

    output.emit(ctx, data, human)


def _covariates(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        metric, sep, column = item.partition("=")
        if not sep or not metric.strip() or not column.strip():
            raise InputError(
                f"--covariate must be METRIC=COLUMN (got {item!r})",
                where="--covariate",
                hint="e.g. --covariate revenue=revenue_pre",
            )
        out[metric.strip()] = column.strip()
    return out


def _weights(text: str | None) -> list[float] | dict[str, float] | None:
    """--weights 50,50 (arm order) or control=50,treatment=50."""
    if text is None:
        return None
    if "=" not in text:
        return _split_numbers(text, "--weights")
    out: dict[str, float] = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, _, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--weights: {part!r} is not NAME=NUMBER", where="--weights") from None
    return out


def _fail(hits: list[str]) -> None:
    """Exit 1 after the report when ``--fail-on`` listed a verdict that was reached."""
    from axtui.commands.gate import exit_if_listed

    exit_if_listed(hits, frozenset(hits))


@ab_app.command("analyze")
def ab_analyze(
    ctx: typer.Context,
    events: Path = typer.Argument(..., help="Events file: one row per unit (csv, parquet, jsonl)"),
    variant_col: str = typer.Option(..., "--variant-col", help="Column naming each row's arm"),
    control: str = typer.Option("control", "--control", help="Name of the control arm"),
    metric: list[str] = typer.Option(..., "--metric", help="Metric column; the first is primary (repeat)"),
    guardrail: list[str] = typer.Option([], "--guardrail", help="Guardrail metric column (repeat)"),
    lower_is_better: list[str] = typer.Option(
        [], "--lower-is-better", help="A metric where lower is better, e.g. latency (repeat)"
    ),
    guardrail_threshold: float | None = typer.Option(
        None,
        "--guardrail-threshold",
        help="Tolerated harmful change of a guardrail relative to |control mean|, e.g. 0.05",
    ),
    alpha: float = typer.Option(0.05, "--alpha"),
    mde: float | None = typer.Option(None, "--mde", help="Minimum detectable effect of the primary metric"),
    mde_relative: bool = typer.Option(False, "--relative-mde", help="Read --mde relative to the control"),
    power: float = typer.Option(0.8, "--power", help="Power for the required sample size of --mde"),
    weights: str | None = typer.Option(
        None,
        "--weights",
        help="Planned split for the SRM check: 50,50 (arm order) or control=50,treatment=50",
    ),
    covariate: list[str] = typer.Option(
        [], "--covariate", help="CUPED: METRIC=COLUMN with a pre-period column (repeat)"
    ),
    sequential: bool = typer.Option(False, "--sequential", help="Confidence sequences, valid at every peek"),
    tuning: float = typer.Option(5000.0, "--tuning", help="Sequential tuning parameter N"),
    correction: str = typer.Option("none", "--correction", help="none | holm | bh over goal metrics x arms"),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 when the decision is one of these, e.g. ROLLBACK,INVALID"
    ),
) -> None:
    """Per-metric A/B analysis, SRM check and the SHIP / ROLLBACK / EXTEND / NO_SHIP / INVALID decision."""
    from axtui import fail_on
    from axtui.stats import ab

    listed = fail_on.parse(fail_on_text, fail_on.AB)
    options = ab.ABOptions(
        control=control,
        guardrails=guardrail,
        lower_is_better=lower_is_better,
        guardrail_threshold=guardrail_threshold,
        alpha=alpha,
        mde=mde,
        mde_relative=mde_relative,
        power=power,
        weights=_weights(weights),
        covariates=_covariates(covariate),
        tuning=tuning,
        correction=correction,
    )
    data = ab.analyze(events, variant_col=variant_col, metrics=metric, options=options, sequential=sequential)
    for text in data["notes"]:
        output.note(f"note: {text}")
    output.emit(ctx, data, lambda con: _render_ab(con, data))
    _fail(fail_on.matches([data["decision"]], listed))


def _ci_pct(ci: list[float | None] | None) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def _ab_table(con: Console, data: dict[str, Any]) -> None:
    """One row per metric (and arm), the key cells first: lift, p, significance, then the means and CIs."""
    from axtui.present import tables
    from axtui.present.format import pvalue

    multi = len(data["arms"]) > 2
    adjusted = data["correction"] != "none"
    role = {"primary": "", "secondary": " (2nd)"}
    rows = []
    for r in data["metrics"]:
        lo, hi = r["ci95"]
        name = r["metric"] + role.get(r["role"], f" (guard {r.get('guardrail_status')})")
        rows.append(
            [name, *([r["arm"]] if multi else [])]
            + [_pct(r["relative_lift"]), pvalue(r["p_value"])]
            + ([pvalue(r["p_value_adjusted"])] if adjusted else [])
            + [fmt(r["significant"]), fmt(r["control_mean"]), fmt(r["treatment_mean"])]
            + [_ci_pct(r["ci95_relative"]), f"[{fmt(lo, 3)}, {fmt(hi, 3)}]"]
        )
    columns = ["metric", *(["arm:key"] if multi else []), "lift:key", "p:key"]
    columns += ["p adj.:key"] if adjusted else []
    # the intervals may wrap after their comma: then the table holds 80 columns with the key cells whole
    columns += ["sig.:key", "control:num", "treatment:num", "95% CI (lift)", "95% CI (diff)"]
    tables.show(con, columns, rows, title="A/B metrics (treatment − control)", style="none")


def _render_ab(con: Console, data: dict[str, Any]) -> None:
    srm = data["srm"]
    arms = ", ".join(f"{a}={n:,}" for a, n in srm["arms"].items())
    con.print(
        f"arms: {arms}   SRM p = {fmt(srm['p_value'])}" + ("  [bold red]SRM ALERT[/]" if srm["alert"] else "")
    )
    _ab_table(con, data)
    for r in data["metrics"]:
        if r["cuped"]:
            cu = r["cuped"]
            con.print(
                f"CUPED {r['metric']} ({cu['covariate']}): θ {fmt(cu['theta'])}, "
                f"lift {_pct(cu['relative_lift'])} {_ci_pct(cu['ci95_relative'])}, "
                f"p {fmt(cu['p_value'], 3)}, "
                f"variance ratio {fmt(cu['variance_reduction'], 3)}"
            )
        if r["sequential"]:
            sq = r["sequential"]
            con.print(
                f"sequential {r['metric']}: lift 95% CS {_ci_pct(sq['ci95_relative'])}, "
                f"p {fmt(sq['p_value'], 3)} (tuning {fmt(sq['tuning'])}; valid at every peek)"
            )
    con.print("tests: χ² (0/1 metrics, Wald CI) or Welch's t (others; Mann-Whitney U in --json)")
    if data["correction"] != "none":
        con.print(f"p adj.: {data['correction']} over goal metrics x treatment arms")
    con.print(
        f"decision: [bold]{data['decision']}[/] — {data['decision_reason']} "
        f"(rule {data['decision_rule']['row']}; confidence {data['confidence']})"
    )


# --- evaluate ------------------------------------------------------------------------------------


def evaluate_command(
    ctx: typer.Context,
    predictions: Path = typer.Argument(..., help="Predictions file (csv, parquet, jsonl)"),
    y_true: str = typer.Option(..., "--y-true", help="Column with the true label or value"),
    y_pred: str | None = typer.Option(None, "--y-pred", help="Column with the predicted label or value"),
    y_score: str | None = typer.Option(None, "--y-score", help="Column with the positive-class probability"),
    group: list[str] = typer.Option([], "--group", help="Protected attribute column for fairness (repeat)"),
    task: str | None = typer.Option(None, "--task", help="classification | regression (default: inferred)"),
    latency_col: str | None = typer.Option(None, "--latency-col", help="Latency column in ms"),
    timestamp_col: str | None = typer.Option(
        None, "--timestamp-col", help="Request timestamps, for throughput"
    ),
    positive_label: str | None = typer.Option(
        None, "--positive-label", help="The positive class when labels are not 0/1"
    ),
    primary_metric: str | None = typer.Option(
        None, "--primary-metric", help="Metric for the bootstrap CI (accuracy / rmse by default)"
    ),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed"),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples (0 to skip)"),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Go/No-Go: the primary metric must meet this value"
    ),
    latency_sla: float | None = typer.Option(None, "--latency-sla", help="Go/No-Go: p99 latency SLA in ms"),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 when the Go/No-Go verdict is listed (NO_GO); needs --threshold"
    ),
    progress: bool | None = progress_option(),
) -> None:
    """Classification or regression metrics, bootstrap CI, fairness per group and latency (§8.3)."""
    from axtui import fail_on
    from axtui.stats.evaluate import evaluate
    from axtui.stats.options import EvaluateOptions

    listed = fail_on.parse(fail_on_text, fail_on.EVALUATE)
    if listed and threshold is None:
        raise InputError(
            "--fail-on needs a Go/No-Go verdict, which needs --threshold",
            where="--fail-on",
            hint="e.g. --primary-metric f1 --threshold 0.8 --fail-on NO_GO",
        )

    with column_progress(ctx, progress, "evaluating", unit="steps") as callback:
        options = EvaluateOptions(
            y_pred=y_pred,
            y_score=y_score,
            groups=group,
            task=task,
            latency_col=latency_col,
            timestamp_col=timestamp_col,
            positive_label=positive_label,
            primary_metric=primary_metric,
            seed=seed,
            n_boot=n_boot,
        )
        data = evaluate(predictions, y_true=y_true, options=options, progress=callback)
    if threshold is not None:
        data["go_no_go"] = _go_no_go(data, primary_metric, threshold, latency_sla)
    output.emit(ctx, data, lambda con: _render_evaluation(con, data))
    if threshold is not None:
        _fail(fail_on.matches([data["go_no_go"]["decision"]], listed))


_FAIRNESS_ORDER = {"PASS": 0, "WARNING": 1, "FAIL": 2}


def _go_no_go(
    data: dict[str, Any], primary: str | None, threshold: float, latency_sla: float | None
) -> dict[str, Any]:
    """The evaluation Go/No-Go table (axtui.stats.decisions) over this report's numbers."""
    from axtui.stats import decisions

    ci = data.get("ci95") or {}
    metric = primary or ci.get("metric") or ("accuracy" if data["task"] == "classification" else "rmse")
    value = data["metrics"].get(metric)
    if not isinstance(value, int | float):
        raise InputError(
            f"--threshold applies to the primary metric, and {metric!r} has no value in this report",
            where="--primary-metric",
            hint="metrics: " + ", ".join(k for k, v in data["metrics"].items() if isinstance(v, int | float)),
        )
    verdicts = [f["four_fifths"] for f in data.get("fairness", {}).values() if f.get("four_fifths")]
    fairness = max(verdicts, key=lambda v: _FAIRNESS_ORDER.get(v, 0)) if verdicts else None
    latency = data.get("latency") or {}
    same = ci.get("metric") == metric
    return decisions.evaluation_decision(
        metric_value=float(value),
        threshold=threshold,
        higher_is_better=not decisions.lower_is_better_by_name(metric),
        metric=metric,
        ci_low=ci.get("low") if same else None,
        ci_high=ci.get("high") if same else None,
        fairness=fairness,
        latency_p99=latency.get("p99"),
        latency_sla=latency_sla,
    )


def _render_evaluation(con: Console, data: dict[str, Any]) -> None:
    from axtui.present import tables

    metrics = [(k, v) for k, v in data["metrics"].items() if not isinstance(v, dict | list)]
    _kv(con, f"{data['task'].capitalize()} metrics ({data['rows']:,} rows)", metrics)
    ci = data.get("ci95")
    if ci:
        con.print(
            f"95% CI for {ci['metric']}: [{fmt(ci['low'])}, {fmt(ci['high'])}] "
            f"(bootstrap, {ci['n_boot']} resamples, seed {ci['seed']})"
        )
    if data.get("per_class"):
        keys = ("precision", "recall", "f1", "support")
        tables.show(
            con,
            ["label:key", *(f"{k}:num" for k in keys)],
            [[str(row["label"]), *(fmt(row[k]) for k in keys)] for row in data["per_class"]],
            title="Per class",
        )
    cm = data.get("confusion_matrix")
    if cm:
        labels = [str(x) for x in cm["labels"]]
        try:
            from axtui.stats.plots import confusion_matrix_text
        except ModuleNotFoundError as exc:  # plots not installed in this checkout: a plain table instead
            if exc.name != "axtui.stats.plots":
                raise
            tables.show(
                con,
                ["true \\ pred:key", *(tables.Column(label, "num") for label in labels)],
                [[label, *(fmt(v) for v in row)] for label, row in zip(labels, cm["matrix"], strict=True)],
                title="Confusion matrix (rows: true, columns: predicted)",
            )
        else:
            con.print(confusion_matrix_text(cm["matrix"], labels), markup=False, highlight=False)
    if data.get("residuals"):
        _kv(
            con,
            "Residuals (y_true − y_pred)",
            [(k, v) for k, v in data["residuals"].items() if k != "definition"],
        )
    for column, fair in data.get("fairness", {}).items():
        keys = ("count", "selection_rate", "tpr", "fpr", "accuracy")
        tables.show(
            con,
            ["group:key", "count:num", "selection rate:num", "TPR:num", "FPR:num", "accuracy:num"],
            [[name, *(fmt(g[k]) for k in keys)] for name, g in fair["groups"].items()],
            title=f"Fairness by {column}: four-fifths {fair['four_fifths'] or '—'}",
        )
        con.print(
            f"parity difference {fmt(fair['demographic_parity_difference'])}, "
            f"ratio {fmt(fair['demographic_parity_ratio'])}, "
            f"equal opportunity {fmt(fair['equal_opportunity_difference'])}, "
            f"equalized odds {fmt(fair['equalized_odds_difference'])}"
        )
        for note in fair.get("notes", []):
            con.print(f"note: {note}")
    if data.get("latency"):
        lat = data["latency"]
        _kv(
            con,
            "Latency (ms)",
            [(k, lat[k]) for k in ("p50", "p95", "p99", "mean", "max", "count", "throughput_rps")],
        )
    for note in data.get("notes", []):
        con.print(f"note: {note}")
    if data.get("go_no_go"):
        verdict = data["go_no_go"]
        con.print(f"Go/No-Go: [bold]{verdict['decision']}[/] ({verdict['confidence']}) — {verdict['reason']}")


# --- features ------------------------------------------------------------------------------------


def _feature_flags(c: dict[str, Any]) -> str:
    """What is wrong with a column, in words (missing, constant, skewed, leakage ...)."""
    flags = [
        name
        for name, on in (
            ("missing>50%", c["missing_flag"]),
            ("constant", c["constant"]),
            ("high-cardinality", c["high_cardinality"]),
            ("skewed", c["skewed"]),
            ("inf", c["infinite_count"]),
        )
        if on
    ]
    if c.get("leakage_risk") not in (None, "SAFE"):
        flags.append(f"leakage {c['leakage_risk']}")
    return ", ".join(flags)


def _features_table(con: Console, data: dict[str, Any]) -> None:
    """One row per column: the name and its flags first (what a person acts on), then the numbers."""
    from axtui.present import tables
    from axtui.present.format import MISSING, percent

    short = {"pearson": "r", "mutual_information": "MI"}
    rows = []
    for c in data["columns"]:
        assoc = c.get("target_association")
        rows.append(
            [
                c["name"],
                _feature_flags(c),
                c["dtype"],
                percent(c["missing_rate"], sign=False),
                fmt(c["unique_count"]),
                fmt(c["skewness"], 3),
                percent(c["outlier_share"], sign=False),
                MISSING if not assoc else f"{short[assoc['method']]} {fmt(assoc['value'], 3)}",
            ]
        )
    columns = ["column", "flags", "dtype:key", "missing:num", "unique:num", "skew:num", "outliers:num"]
    columns.append("target:num")
    tables.show(con, columns, rows, title=f"Features ({data['rows']:,} rows)", style="simple")


def features_command(
    ctx: typer.Context,
    data_path: Path = typer.Argument(
        ..., metavar="DATA", help="Feature file (the test set with --reference)"
    ),
    target: str | None = typer.Option(None, "--target", help="Target column"),
    time_col: str | None = typer.Option(
        None, "--time-col", help="Row time, to find features from the future"
    ),
    reference: Path | None = typer.Option(None, "--reference", help="Training data, for leakage checks"),
    progress: bool | None = progress_option(),
) -> None:
    """Feature validation: quality per column, correlated pairs, target association, leakage (§8.5)."""
    from axtui.stats.features import validate_features

    with column_progress(ctx, progress, "checking features") as callback:
        data = validate_features(
            data_path, target=target, time_col=time_col, reference=reference, progress=callback
        )

    def human(con: Console) -> None:
        _features_table(con, data)
        for pair in data["correlated_pairs"]:
            con.print(f"highly correlated: {pair['a']} ~ {pair['b']} (r = {fmt(pair['pearson'])})")
        for leak in data["leakage"]:
            con.print(f"[bold red]leakage {leak['risk']}[/]: {leak['column']}: {'; '.join(leak['reasons'])}")
        future = data.get("future_data")
        if future:
            checked = ", ".join(future["checked_columns"]) or "none"
            con.print(
                f"rows with features from the future: {future['future_rows']:,} "
                f"({future['future_share'] * 100:.2f}%), checked: {checked}"
            )
        for warning in data["warnings"]:
            con.print(f"warning: {warning}")

    output.emit(ctx, data, human)


# --- experiments ---------------------------------------------------------------------------------


@experiments_app.command("compare")
def experiments_compare(
    ctx: typer.Context,
    ids: list[str] | None = typer.Argument(
        None, help="Stored experiment ids to compare side by side (the first is the baseline)"
    ),
    baseline: str = typer.Option("{}", "--baseline", help="Baseline metrics as JSON or @file.json"),
    candidate: str = typer.Option("{}", "--candidate", help="Candidate metrics as JSON or @file.json"),
    primary: str | None = typer.Option(None, "--primary", help="Primary metric name"),
    per_example: Path | None = typer.Option(
        None, "--per-example", help="File with per-example results of both models"
    ),
    baseline_col: str = typer.Option("baseline", "--baseline-col", help="Per-example column of the baseline"),
    candidate_col: str = typer.Option(
        "candidate", "--candidate-col", help="Per-example column of the candidate"
    ),
    y_true_col: str | None = typer.Option(
        None,
        "--y-true",
        help="With --per-example: the true labels "
        "(then the two columns are predictions; McNemar on correctness)",
    ),
    folds_baseline: str | None = typer.Option(
        None, "--folds-baseline", help="Per-fold scores, e.g. 0.81,0.8"
    ),
    folds_candidate: str | None = typer.Option(
        None, "--folds-candidate", help="Per-fold scores of the candidate"
    ),
    min_improvement: float = typer.Option(0.0, "--min-improvement", help="Success criterion (absolute)"),
    min_relative: float | None = typer.Option(
        None, "--min-relative-improvement", help="Success criterion (relative fraction)"
    ),
    lower_is_better: list[str] = typer.Option([], "--lower-is-better", help="Metric where lower is better"),
    alpha: float = typer.Option(0.05, "--alpha"),
    seed: int = typer.Option(0, "--seed"),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 when the decision is listed, e.g. REJECT (stored ids: any of them)"
    ),
) -> None:
    """Improvement per metric, its significance, and PROMOTE / ITERATE / REJECT."""
    from axtui import fail_on

    listed = fail_on.parse(fail_on_text, fail_on.EXPERIMENT)
    if ids:  # stored runs of ml-experiment-tracker (axtui.core.experiments)
        stored = compare_stored(ctx, ids)
        _fail(fail_on.matches(_stored_decisions(stored), listed))
        return
    if primary is None:
        raise InputError(
            "--primary is required",
            where="--primary",
            hint="name the primary metric, or give stored experiment ids to compare",
        )
    from axtui.stats.experiments import compare_experiments
    from axtui.stats.options import ComparisonOptions

    spec = None
    if per_example is not None:
        spec = {
            "file": str(per_example),
            "baseline": baseline_col,
            "candidate": candidate_col,
            "y_true": y_true_col,
        }
    folds = None
    if folds_baseline or folds_candidate:
        if not (folds_baseline and folds_candidate):
            raise InputError("give both --folds-baseline and --folds-candidate", where="--folds-candidate")
        folds = {
            "baseline": _split_numbers(folds_baseline, "--folds-baseline"),
            "candidate": _split_numbers(folds_candidate, "--folds-candidate"),
        }
    base = _json_arg(baseline, "--baseline")
    cand = _json_arg(candidate, "--candidate")
    directions: dict[str, bool] | None = {m: False for m in lower_is_better} or None
    options = ComparisonOptions(
        higher_is_better=directions,
        per_example=spec,
        fold_scores=folds,
        min_improvement=min_improvement,
        min_relative_improvement=min_relative,
        alpha=alpha,
        seed=seed,
    )
    data = compare_experiments(base, cand, primary_metric=primary, options=options)

    def human(con: Console) -> None:
        from axtui.present import tables

        tables.show(
            con,
            ["metric", "baseline:num", "candidate:num", "improvement:num", "relative:num"],
            [
                [
                    r["metric"] + (" (primary)" if r["primary"] else ""),
                    fmt(r["baseline"]),
                    fmt(r["candidate"]),
                    fmt(r["improvement"]),
                    _pct(r["relative_improvement"]),
                ]
                for r in data["metrics"]
            ],
            title="Candidate vs baseline",
        )
        sig = data["significance"]
        con.print(
            f"significance: {sig['method'] or 'not tested'}"
            + (f", p = {fmt(sig['p_value'])}" if sig.get("p_value") is not None else "")
        )
        con.print(f"decision: [bold]{data['decision']}[/] — {data['decision_reason']}")

    output.emit(ctx, data, human)
    _fail(fail_on.matches([data["decision"]], listed))


def _stored_decisions(data: Any) -> list[Any]:
    """The decisions recorded on the stored experiments being compared (any row's decision counts)."""
    if not isinstance(data, dict):
        return []
    rows = data.get("experiments") or data.get("rows") or []
    return [r.get("decision") for r in rows if isinstance(r, dict)]
