"""``axtui ab size|srm|analyze``, ``axtui evaluate``, ``axtui features``, ``axtui experiments compare``.

Each command calls one function of ``axtui.stats`` and prints its §8 JSON
document with ``--json`` or rich tables otherwise. The stats modules (polars,
scipy) are imported inside the commands so that ``axtui --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from axtui.commands.experiments import compare_stored, experiments_app
from axtui.errors import InputError
from axtui.present import output

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
    """A number for a table cell: 4 significant digits, '-' for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.2f}%"


def _kv_table(title: str, rows: list[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left", min_width=len(title) + 4)
    table.add_column("name", style="bold")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, fmt(value))
    return table


def _split_numbers(text: str, option: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"{option} must be comma-separated numbers (got {text!r})", where=option) from None


def _json_arg(text: str, option: str) -> dict[str, Any]:
    """A JSON object given inline or as @file.json."""
    raw = text
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.exists():
            raise InputError("file not found", where=str(path))
        raw = path.read_text(encoding="utf-8")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{option} is not valid JSON: {exc.msg}",
            where=option,
            hint="e.g. '{\"accuracy\": 0.91}' or @metrics.json",
        ) from None
    if not isinstance(value, dict):
        raise InputError(f"{option} must be a JSON object of metric -> number", where=option)
    return value


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
) -> None:
    """Per-variant sample size for two proportions (or, with --std, two means)."""
    from axtui.stats import sample_size

    if std is not None:
        if relative:
            raise InputError("--relative applies to proportions only", where="--relative")
        data = sample_size.sample_size_means(std, mde, alpha=alpha, power=power)
        title = f"Sample size for a difference of {fmt(data['mde'])} in means (sd {fmt(std)})"
    else:
        if baseline is None:
            raise InputError(
                "--baseline is required (or --std for a mean metric)",
                where="--baseline",
                hint="e.g. axtui ab size --baseline 0.1 --mde 0.02",
            )
        data = sample_size.sample_size_proportions(baseline, mde, relative=relative, alpha=alpha, power=power)
        title = f"Sample size for {fmt(data['baseline'])} → {fmt(data['target'])}"

    def human(con: Console) -> None:
        con.print(
            _kv_table(
                title,
                [
                    ("per variant", data["per_variant"]),
                    ("total", data["total"]),
                    ("alpha", data["alpha"]),
                    ("power", data["power"]),
                ],
            )
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
        con.print(
            _kv_table("Sample ratio mismatch", [("χ²", data["statistic"]), ("p-value", data["p_value"])])
        )
        con.print(
            "[bold red]ALERT: the arm sizes do not match the planned split[/]"
            if data["alert"]
            else "[green]no sample ratio mismatch (p ≥ 0.001)[/]"
        )

    output.emit(ctx, data, human)


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
        None, "--guardrail-threshold", help="Tolerated relative degradation of a guardrail, e.g. 0.05"
    ),
    alpha: float = typer.Option(0.05, "--alpha"),
    mde: float | None = typer.Option(None, "--mde", help="Minimum detectable effect of the primary metric"),
    mde_relative: bool = typer.Option(False, "--relative-mde", help="Read --mde relative to the control"),
) -> None:
    """Per-metric A/B analysis, SRM check and the SHIP / ROLLBACK / EXTEND / NO_SHIP decision."""
    from axtui.stats import ab

    data = ab.analyze(
        events,
        variant_col=variant_col,
        control=control,
        metrics=metric,
        guardrails=guardrail,
        lower_is_better=lower_is_better,
        guardrail_threshold=guardrail_threshold,
        alpha=alpha,
        mde=mde,
        mde_relative=mde_relative,
    )

    def human(con: Console) -> None:
        srm = data["srm"]
        arms = ", ".join(f"{a}={n:,}" for a, n in srm["arms"].items())
        con.print(
            f"arms: {arms}   SRM p = {fmt(srm['p_value'])}"
            + ("  [bold red]SRM ALERT[/]" if srm["alert"] else "")
        )
        multi = len(data["arms"]) > 2
        table = Table(title="A/B metrics (treatment − control)", title_justify="left")
        table.add_column("metric")
        if multi:
            table.add_column("arm")
        for col in ("control", "treatment", "lift", "95% CI (diff)", "p", "sig."):
            table.add_column(col, justify="right")
        for r in data["metrics"]:
            lo, hi = r["ci95"]
            role = {
                "primary": "",
                "secondary": " (2nd)",
                "guardrail": f" (guard {r.get('guardrail_status')})",
            }
            cells = [r["metric"] + role[r["role"]]] + ([r["arm"]] if multi else [])
            cells += [
                fmt(r["control_mean"]),
                fmt(r["treatment_mean"]),
                _pct(r["relative_lift"]),
                f"[{fmt(lo, 3)}, {fmt(hi, 3)}]",
                fmt(r["p_value"], 3),
                fmt(r["significant"]),
            ]
            table.add_row(*cells)
        con.print(table)
        con.print("tests: χ² (0/1 metrics, Wald CI) or Welch's t (others; Mann-Whitney U in --json)")
        con.print(f"decision: [bold]{data['decision']}[/] — {data['decision_reason']}")

    output.emit(ctx, data, human)


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
) -> None:
    """Classification or regression metrics, bootstrap CI, fairness per group and latency (§8.3)."""
    from axtui.stats.evaluate import evaluate

    data = evaluate(
        predictions,
        y_true=y_true,
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
    output.emit(ctx, data, lambda con: _render_evaluation(con, data))


def _render_evaluation(con: Console, data: dict[str, Any]) -> None:
    metrics = [(k, v) for k, v in data["metrics"].items() if not isinstance(v, dict | list)]
    con.print(_kv_table(f"{data['task'].capitalize()} metrics ({data['rows']:,} rows)", metrics))
    ci = data.get("ci95")
    if ci:
        con.print(
            f"95% CI for {ci['metric']}: [{fmt(ci['low'])}, {fmt(ci['high'])}] "
            f"(bootstrap, {ci['n_boot']} resamples, seed {ci['seed']})"
        )
    if data.get("per_class"):
        table = Table(title="Per class", title_justify="left")
        for col in ("label", "precision", "recall", "f1", "support"):
            table.add_column(col, justify="left" if col == "label" else "right")
        for row in data["per_class"]:
            table.add_row(
                str(row["label"]),
                fmt(row["precision"]),
                fmt(row["recall"]),
                fmt(row["f1"]),
                fmt(row["support"]),
            )
        con.print(table)
    cm = data.get("confusion_matrix")
    if cm:
        labels = [str(x) for x in cm["labels"]]
        try:
            from axtui.stats.plots import confusion_matrix_text
        except ModuleNotFoundError as exc:  # plots not installed in this checkout: a plain table instead
            if exc.name != "axtui.stats.plots":
                raise
            title = "Confusion matrix (rows: true, columns: predicted)"
            table = Table(title=title, title_justify="left", min_width=len(title) + 4)
            table.add_column("true \\ pred")
            for label in labels:
                table.add_column(label, justify="right")
            for label, row in zip(labels, cm["matrix"], strict=True):
                table.add_row(label, *(fmt(v) for v in row))
            con.print(table)
        else:
            con.print(confusion_matrix_text(cm["matrix"], labels), markup=False, highlight=False)
    if data.get("residuals"):
        con.print(
            _kv_table(
                "Residuals (y_true − y_pred)",
                [(k, v) for k, v in data["residuals"].items() if k != "definition"],
            )
        )
    for column, fair in data.get("fairness", {}).items():
        table = Table(
            title=f"Fairness by {column}: four-fifths {fair['four_fifths'] or '-'}", title_justify="left"
        )
        for col in ("group", "count", "selection rate", "TPR", "FPR", "accuracy"):
            table.add_column(col, justify="left" if col == "group" else "right")
        for name, g in fair["groups"].items():
            table.add_row(
                name,
                fmt(g["count"]),
                fmt(g["selection_rate"]),
                fmt(g["tpr"]),
                fmt(g["fpr"]),
                fmt(g["accuracy"]),
            )
        con.print(table)
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
        con.print(
            _kv_table(
                "Latency (ms)",
                [(k, lat[k]) for k in ("p50", "p95", "p99", "mean", "max", "count", "throughput_rps")],
            )
        )
    for note in data.get("notes", []):
        con.print(f"note: {note}")


# --- features ------------------------------------------------------------------------------------


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
) -> None:
    """Feature validation: quality per column, correlated pairs, target association, leakage (§8.5)."""
    from axtui.stats.features import validate_features

    data = validate_features(data_path, target=target, time_col=time_col, reference=reference)

    def human(con: Console) -> None:
        table = Table(title=f"Features ({data['rows']:,} rows)", title_justify="left")
        for col in ("column", "dtype", "missing", "unique", "skew", "outliers", "target"):
            table.add_column(col, justify="left" if col in ("column", "dtype") else "right")
        table.add_column("flags", overflow="fold")
        for c in data["columns"]:
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
            assoc = c.get("target_association")
            short = {"pearson": "r", "mutual_information": "MI"}
            assoc_text = "-" if not assoc else f"{short[assoc['method']]} {fmt(assoc['value'], 3)}"
            table.add_row(
                c["name"],
                c["dtype"],
                f"{c['missing_rate'] * 100:.1f}%",
                fmt(c["unique_count"]),
                fmt(c["skewness"], 3),
                "-" if c["outlier_share"] is None else f"{c['outlier_share'] * 100:.1f}%",
                assoc_text,
                ", ".join(flags),
            )
        con.print(table)
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
) -> None:
    """Improvement per metric, its significance, and PROMOTE / ITERATE / REJECT."""
    if ids:  # stored runs of ml-experiment-tracker (axtui.core.experiments)
        compare_stored(ctx, ids)
        return
    if primary is None:
        raise InputError(
            "--primary is required",
            where="--primary",
            hint="name the primary metric, or give stored experiment ids to compare",
        )
    from axtui.stats.experiments import compare_experiments

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
    data = compare_experiments(
        base,
        cand,
        primary_metric=primary,
        higher_is_better=directions,
        per_example=spec,
        fold_scores=folds,
        min_improvement=min_improvement,
        min_relative_improvement=min_relative,
        alpha=alpha,
        seed=seed,
    )

    def human(con: Console) -> None:
        table = Table(title="Candidate vs baseline", title_justify="left")
        for col in ("metric", "baseline", "candidate", "improvement", "relative"):
            table.add_column(col, justify="left" if col == "metric" else "right")
        for r in data["metrics"]:
            table.add_row(
                r["metric"] + (" (primary)" if r["primary"] else ""),
                fmt(r["baseline"]),
                fmt(r["candidate"]),
                fmt(r["improvement"]),
                _pct(r["relative_improvement"]),
            )
        con.print(table)
        sig = data["significance"]
        con.print(
            f"significance: {sig['method'] or 'not tested'}"
            + (f", p = {fmt(sig['p_value'])}" if sig.get("p_value") is not None else "")
        )
        con.print(f"decision: [bold]{data['decision']}[/] — {data['decision_reason']}")

    output.emit(ctx, data, human)
