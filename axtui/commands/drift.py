"""``axtui drift REFERENCE CURRENT`` and ``axtui adwin STREAM`` (docs/reference/statistics.md).

Drift found is still a successful run (exit 0): the verdict is in the output.
Bad input exits 2 with a message naming the file and column. polars and scipy
are imported inside the commands, through the stats modules.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.panel import Panel

from axtui.errors import InputError
from axtui.present import output
from axtui.values import comma_list

SEVERITY_STYLE = {"none": "green", "moderate": "yellow", "significant": "bold red"}
ALERT_STYLE = {"GREEN": "bold white on green", "YELLOW": "bold black on yellow", "RED": "bold white on red"}
ALERT_TEXT = {
    "GREEN": "no column shifted enough to matter (every PSI < 0.1)",
    "YELLOW": "moderate drift (a column with 0.1 ≤ PSI < 0.25)",
    "RED": "significant drift (a column with PSI ≥ 0.25)",
}
MAX_PLOTS = 5


def register(app: typer.Typer) -> None:
    from axtui.commands.profile import profile_command

    app.command("drift")(drift_command)
    app.command("profile")(profile_command)
    app.command("adwin")(adwin_command)


def drift_command(
    ctx: typer.Context,
    reference: str = typer.Argument(
        ...,
        help="Reference data (training or last good window): a csv/parquet/json/jsonl file, a glob, a "
        "folder, an s3:// gs:// az:// https:// URL, or a profile written by axtui profile",
    ),
    current: str = typer.Argument(..., help="Current data to compare with the reference"),
    columns: str | None = typer.Option(None, "--columns", help="Only these columns (comma-separated)"),
    categorical: str | None = typer.Option(None, "--categorical", help="Treat these columns as categorical"),
    numeric: str | None = typer.Option(None, "--numeric", help="Treat these columns as numeric"),
    compat: str | None = typer.Option(
        None,
        "--compat",
        help="'evidently': Evidently's DataDriftPreset tests, thresholds and dataset-drift rule",
    ),
    stattest: str | None = typer.Option(
        None,
        "--stattest",
        help="With --compat evidently: one Evidently "
        "test for every column (ks, chisquare, z, wasserstein, "
        "jensenshannon, psi)",
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="With --compat evidently: one drift threshold for every column's test"
    ),
    method_threshold: list[str] = typer.Option(
        [],
        "--method-threshold",
        help="With --compat evidently: METHOD=T for the columns that test uses (repeat)",
    ),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 when the alert level is listed, e.g. RED or YELLOW,RED"
    ),
    exact: bool = typer.Option(
        False, "--exact", help="Refuse a profile as the reference: KS and Wasserstein from raw data only"
    ),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr [default: on unless --json]"
    ),
) -> None:
    """Per-column data drift: PSI, KS, Wasserstein, Jensen-Shannon, chi-square, severity and alert level."""
    from axtui import fail_on

    listed = fail_on.parse(fail_on_text, fail_on.DRIFT)
    if compat is not None:
        if compat.lower() != "evidently":
            raise InputError(
                f"unknown --compat mode {compat!r}", where="--compat", hint="use --compat evidently"
            )
        if categorical or numeric:
            raise InputError(
                "--categorical/--numeric do not apply with --compat evidently",
                where="--compat",
                hint="Evidently infers column types itself; leave them out",
            )
        from axtui.stats.evidently import compute_evidently
        from axtui.stats.profile import as_profile

        if as_profile(reference) is not None:
            raise InputError(
                "--compat evidently needs the raw reference data, not a profile",
                where=reference,
                hint="pass the reference data file, or leave --compat out",
            )

        from axtui.commands.progress import column_progress

        with column_progress(ctx, progress, "drift") as callback:
            result = compute_evidently(
                reference,
                current,
                columns=comma_list(columns),
                stattest=stattest,
                threshold=threshold,
                method_thresholds=_method_thresholds(method_threshold),
                progress=callback,
            )
        output.emit(ctx, result, lambda con: _render_evidently(con, result))
        _gate(fail_on.evidently_level(result), listed)
        return
    if stattest is not None:
        raise InputError("--stattest needs --compat evidently", where="--stattest")
    if threshold is not None or method_threshold:
        option = "--threshold" if threshold is not None else "--method-threshold"
        raise InputError(f"{option} needs --compat evidently", where=option)
    from axtui.commands.progress import column_progress
    from axtui.stats.drift import compute_drift

    with column_progress(ctx, progress, "drift") as callback:
        result = compute_drift(
            reference,
            current,
            columns=comma_list(columns),
            categorical=comma_list(categorical),
            numeric=comma_list(numeric),
            exact=exact,
            progress=callback,
        )
    output.emit(ctx, result, lambda con: _render_drift(con, result))
    _gate(result["alert_level"], listed)


def _method_thresholds(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        method, _, value = item.partition("=")
        try:
            out[method.strip().lower()] = float(value)
        except ValueError:
            raise InputError(
                f"--method-threshold must be METHOD=NUMBER (got {item!r})",
                where="--method-threshold",
                hint="e.g. --method-threshold ks=0.01 --method-threshold psi=0.2",
            ) from None
    return out


def _gate(level: str, listed: frozenset[str]) -> None:
    """--fail-on: exit 1 (after the report) when the alert level is listed (axtui.fail_on)."""
    from axtui.commands.gate import exit_if_listed

    exit_if_listed([level], listed)


def adwin_command(
    ctx: typer.Context,
    stream: str = typer.Argument(..., help="Data file with one row per step, in stream order"),
    column: str = typer.Option(..., "--column", help="The 0/1 error (or numeric) column"),
    delta: float = typer.Option(0.002, "--delta", help="Confidence of a detected change (river's default)"),
    clock: int = typer.Option(32, "--clock", help="Check for a change every this many rows"),
    grace_period: int = typer.Option(10, "--grace-period", help="Rows before the first check"),
    min_window_length: int = typer.Option(5, "--min-window-length", help="Smallest sub-window compared"),
    max_buckets: int = typer.Option(5, "--max-buckets", help="Buckets of each size before merging"),
) -> None:
    """ADWIN concept-drift detection over a stream column, compatible with river's ADWIN."""
    from axtui.stats.adwin import run_adwin_file

    result = run_adwin_file(
        stream,
        column,
        delta=delta,
        clock=clock,
        grace_period=grace_period,
        min_window_length=min_window_length,
        max_buckets=max_buckets,
    )
    output.emit(ctx, result, lambda con: _render_adwin(con, result))


# ---------------------------------------------------------------- rendering


def _num(value: Any, digits: int = 4) -> str:
    from axtui.present.format import number

    return number(value, digits)


def _test_p(col: dict[str, Any]) -> str:
    """The p-value of the column's own test: KS for a numeric column, χ² for a categorical one."""
    from axtui.present.format import MISSING, pvalue

    for name, key in (("KS", "ks_pvalue"), ("χ²", "chi2_pvalue")):
        if col.get(key) is not None:
            return f"{name} {pvalue(col[key])}"
    return MISSING


def _pct(value: float | None) -> str:
    from axtui.present.format import percent

    return percent(value, sign=False)


def _drift_table(con: Console, result: dict[str, Any]) -> None:
    """One row per column, the verdict first (severity, votes), then the statistics behind it."""
    from axtui.present import tables

    rows = []
    for col in result["columns"]:
        categorical = col["kind"] == "categorical"
        rows.append(
            [
                col["name"] + (" (cat)" if categorical else ""),
                tables.styled(col["severity"], SEVERITY_STYLE[col["severity"]]),
                f"{col['votes']}/{3 if categorical else 4}" + (" ✔" if col["drifted"] else ""),
                _num(col["psi"], 3),
                _test_p(col),
                _num(col["wasserstein"], 3),
                _num(col["js_distance"], 3),
                f"{_pct(col['null_rate_reference'])} / {_pct(col['null_rate_current'])}",
            ]
        )
    # no box, and the null rates may wrap at their slash: 80 columns hold every key cell whole
    columns = ["column", "severity:key", "votes:key", "PSI:num", "test p:key", "Wass:num", "JS:num"]
    columns += ["nulls r / c"]
    tables.show(con, columns, rows, title="Drift per column", style="none")


def _render_drift(con: Console, result: dict[str, Any]) -> None:
    from axtui.stats.plots import distribution_compare

    level = result["alert_level"]
    con.print(Panel(f"alert level {level}: {ALERT_TEXT[level]}", style=ALERT_STYLE[level], expand=False))
    con.print(f"reference rows: {result['reference_rows']:,}   current rows: {result['current_rows']:,}")
    _drift_table(con, result)
    if result["top_drifted"]:
        con.print("top drifted (by PSI): " + ", ".join(result["top_drifted"]))
    for col in result["columns"]:
        if col.get("new_categories"):
            shown = ", ".join(col["new_categories"][:10]) + (
                " ..." if len(col["new_categories"]) > 10 else ""
            )
            con.print(
                f"[yellow]{col['name']}: categories not seen in the reference: {shown}[/]", highlight=False
            )
        if col.get("inf_reference") or col.get("inf_current"):
            con.print(
                f"{col['name']}: dropped ±inf values: {col['inf_reference']} in reference, "
                f"{col['inf_current']} in current",
                highlight=False,
            )
    if result["only_in_reference"] or result["only_in_current"]:
        con.print(
            f"[yellow]compared the {len(result['common_columns'])} common columns; only in reference: "
            f"{', '.join(result['only_in_reference']) or '-'}; only in current: "
            f"{', '.join(result['only_in_current']) or '-'}[/]",
            highlight=False,
        )
    compared = result.get("compared", [c["name"] for c in result["columns"]])
    shown = ", ".join(compared[:12]) + (" ..." if len(compared) > 12 else "")
    con.print(f"compared {len(compared)} column{'s' if len(compared) != 1 else ''}: {shown}", highlight=False)
    for skipped in result["skipped"]:
        con.print(f"[yellow]skipped {skipped['name']}: {skipped['reason']}[/]", highlight=False)
    for col in result["columns"]:
        if col.get("pooled"):
            pooled = col["pooled"]
            con.print(
                f"{col['name']}: {pooled['categories']:,} categories pooled into the reference's "
                f"{pooled['kept']} most frequent, (other) and (new)",
                highlight=False,
            )
    if result.get("approximate"):
        con.print(
            "reference is a profile: PSI, JS and χ² exact; KS and Wasserstein within the sketch's bound "
            "(see --json error_bound)",
            highlight=False,
        )
    drifted = [c for c in result["columns"] if c["drifted"]]
    drifted.sort(key=lambda c: -c["psi"])
    for col in drifted[:MAX_PLOTS]:
        hist = result["histograms"][col["name"]]
        con.print(f"\n[bold]{col['name']}[/] (PSI {_num(col['psi'])}): share per bin, reference vs current")
        con.print(
            distribution_compare(
                hist["reference"], hist["current"], hist["labels"], width=min(con.width, 90)
            ),
            markup=False,
            highlight=False,
        )
    if len(drifted) > MAX_PLOTS:
        con.print(f"({len(drifted) - MAX_PLOTS} more drifted columns not plotted; use --json for all bins)")


def _render_evidently(con: Console, result: dict[str, Any]) -> None:
    dataset = result["dataset"]
    verdict = "dataset drift" if dataset["dataset_drift"] else "no dataset drift"
    style = "bold white on red" if dataset["dataset_drift"] else "bold white on green"
    con.print(
        Panel(
            f"Evidently-compatible: {verdict} ({dataset['drifted_count']} of "
            f"{dataset['columns_tested']} columns drifted, share {dataset['drifted_share']:.3f}, "
            "threshold 0.5)",
            style=style,
            expand=False,
        )
    )
    from axtui.present import tables

    rows = [
        [
            col["name"],
            tables.styled("yes", "bold red") if col["drift_detected"] else tables.styled("no", "green"),
            _num(col["score"]),
            _num(col["threshold"]),
            col["method"],
            col["column_type"],
        ]
        for col in result["columns"]
    ]
    columns = ["column", "drift:key", "score:num", "threshold:num", "method:key", "type:key"]
    tables.show(con, columns, rows, title="Evidently DataDriftPreset tests", style="simple")
    for skipped in result["skipped"]:
        con.print(f"[yellow]skipped {skipped['name']}: {skipped['reason']}[/]", highlight=False)


def _render_adwin(con: Console, result: dict[str, Any]) -> None:
    params = result["params"]
    con.print(
        f"ADWIN over {result['rows']:,} rows of {result['column']!r} (delta {params['delta']}, "
        f"clock {params['clock']}, grace period {params['grace_period']})",
        highlight=False,
    )
    if not result["detections"]:
        con.print("[green]no change detected[/]")
        return
    from axtui.present import tables

    tables.show(
        con,
        ["row (0-based):num", "window after cut:num", "window mean:num"],
        [[f"{d['index']:,}", f"{d['width']:,}", _num(d["estimation"])] for d in result["detections"]],
        title=f"{len(result['detections'])} change(s) detected",
        style="simple",
    )
