"""Every CLI table goes through the one table layer (axtui/present/tables.py).

Run each command as in an 80-column terminal and piped: in the terminal no line is wider than
80 and every key cell (id, decision, p-value, severity, verdict) is on one line, whole; piped,
ids and values print in full. The terminal is simulated by ``COLUMNS=80`` and a console that
is not a pipe (Rich reads ``COLUMNS``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from rich.cells import cell_len
from rich.console import Console

from axtui.cli import main
from axtui.commands.experiments import render_comparison
from axtui.present import format as fmt
from axtui.present import tables
from tests.test_cli_stats import events  # noqa: F401  (the A/B events file)

DATA = Path(__file__).parent / "data" / "stats"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def as_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on stdout is an 80-column terminal (not a pipe)."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(tables, "piped", lambda stream=None: False)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    as_terminal(monkeypatch)


def whole(out: str, *cells: str) -> None:
    """No line wider than 80; each cell on one line, not cut (no ellipsis anywhere)."""
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "…" not in out
    for text in cells:
        assert any(re.search(rf"(?<![\w.-]){re.escape(text)}(?![\w.-])", line) for line in lines), text


def test_ab_analyze_at_80_columns(capsys: pytest.CaptureFixture[str], terminal: None, events: Path) -> None:  # noqa: F811
    argv = ["ab", "analyze", str(events), "--variant-col", "variant", "--metric", "converted"]
    argv += ["--metric", "revenue", "--guardrail", "latency_ms"]
    code, out = run(capsys, "--json", *argv)
    data = json.loads(out)
    code, out = run(capsys, *argv)
    assert code == 0
    p_values = [fmt.pvalue(r["p_value"]) for r in data["metrics"]]
    whole(
        out, f"decision: {data['decision']}", *p_values, fmt.percent(data["metrics"][0]["relative_lift"], 2)
    )


@pytest.fixture
def drift_files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(11)
    paths = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    for path, shift, n in zip(paths, (0, 6), (2000, 1500), strict=True):
        pl.DataFrame(
            {
                "customer_age_in_years": rng.normal(40 + shift, 10, n),
                "plan": rng.choice(["free", "pro"], n),
                "clicks": rng.poisson(3, n),
            }
        ).write_parquet(path)
    return paths


def test_drift_at_80_columns_and_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, drift_files: tuple[Path, Path]
) -> None:
    ref, cur = (str(p) for p in drift_files)
    code, out = run(capsys, "--json", "drift", ref, cur)
    severities = [c["severity"] for c in json.loads(out)["columns"]]
    code, piped = run(capsys, "drift", ref, cur, "--no-progress")
    row = next(line for line in piped.splitlines() if "customer_age_in_years" in line)
    assert "significant" in row and "…" not in piped  # piped: one row per column, in full
    as_terminal(monkeypatch)
    code, out = run(capsys, "drift", ref, cur, "--no-progress")
    assert code == 0
    whole(out.split("\n\n")[0], "customer_age_in_years", *severities)


def test_evaluate_at_80_columns(capsys: pytest.CaptureFixture[str], terminal: None) -> None:
    argv = ["evaluate", str(DATA / "eval_binary.csv"), "--y-true", "y_true", "--y-pred", "y_pred"]
    argv += ["--y-score", "y_score", "--group", "group", "--latency-col", "latency_ms", "--n-boot", "0"]
    code, out = run(capsys, *argv, "--threshold", "0.5")
    assert code == 0
    whole(out, "Go/No-Go: NO_GO", "roc_auc", "Fairness by group: four-fifths", "p99")


def test_features_at_80_columns(capsys: pytest.CaptureFixture[str], terminal: None, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.4).astype(int)
    path = tmp_path / "feats.parquet"
    pl.DataFrame(
        {"monthly_recurring_revenue": rng.normal(size=200), "leak": y.astype(float), "y": y}
    ).write_parquet(path)
    code, out = run(capsys, "features", str(path), "--target", "y", "--no-progress")
    assert code == 0
    whole(out, "monthly_recurring_revenue", "leakage DANGEROUS")


def test_experiments_compare_at_80_columns(capsys: pytest.CaptureFixture[str], terminal: None) -> None:
    base = '{"accuracy": 0.81, "f1": 0.7, "log_loss": 0.5}'
    cand = '{"accuracy": 0.79, "f1": 0.72, "log_loss": 0.45}'
    code, out = run(
        capsys, "experiments", "compare", "--baseline", base, "--candidate", cand, "--primary", "f1"
    )
    assert code == 0
    whole(out, "f1 (primary)", "decision: ITERATE", "+10.00%")


def test_stored_comparison_at_80_columns(terminal: None) -> None:
    ids = ["exp-2026-11-30-baseline-logreg", "exp-2026-12-01-xgboost-tuned"]
    data = {
        "baseline": ids[0],
        "experiments": [
            {
                "id": i,
                "name": "a model with a long name",
                "status": "completed",
                "decision": d,
                "created_at": "2026",
            }
            for i, d in zip(ids, ("PROMOTE", "ITERATE"), strict=True)
        ],
        "metrics": [
            {
                "metric": "accuracy",
                "values": dict(zip(ids, (0.81, 0.85), strict=True)),
                "deltas": {ids[0]: None, ids[1]: 0.04},
                "relative": {ids[0]: None, ids[1]: 0.049},
                "best": [ids[1]],
                "higher_is_better": True,
            }
        ],
        "params": [
            {"param": "learning_rate", "values": dict(zip(ids, (0.1, 0.05), strict=True)), "differs": True}
        ],
    }
    console = Console(record=True, width=80, file=open("/dev/null", "w"))  # noqa: SIM115
    render_comparison(console, data)
    whole(console.export_text(), *ids, "PROMOTE", "ITERATE", "0.85 (+0.04, +4.9%)")


def test_workflows_list_at_80_columns_and_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, piped = run(capsys, "--json", "workflows", "list")
    found = json.loads(piped)["workflows"]
    code, piped = run(capsys, "workflows", "list")
    for wf in found:  # piped: each workflow on one line with its whole description
        assert any(wf["id"] in line and (wf["description"] or "") in line for line in piped.splitlines())
    as_terminal(monkeypatch)
    code, out = run(capsys, "workflows", "list")
    assert code == 0
    whole(out, *(wf["id"] for wf in found))
    assert out.splitlines()[0].split() == ["id", "name", "ver", "steps", "time", "level", "description"]


def test_agents_list_and_pick_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run(capsys, "--json", "agents", "list")
    agents = json.loads(out)["agents"]
    code, piped = run(capsys, "agents", "list")
    assert all(any(a["description"] in line for line in piped.splitlines()) for a in agents)
    as_terminal(monkeypatch)
    code, out = run(capsys, "agents", "list")
    whole(out, *(a["agent_id"] for a in agents))
    code, out = run(capsys, "agents", "pick", "which statistical test for an A/B experiment?")
    assert code == 0
    whole(out, *(a["agent_id"] for a in agents))


def test_a_table_too_wide_for_the_terminal_prints_records(terminal: None) -> None:
    console = Console(record=True, width=44, file=open("/dev/null", "w"))  # noqa: SIM115
    columns = ["identifier:key", "verdict:key", "reason"]
    tables.show(console, columns, [["an-identifier-of-thirty-chars", "FAIL", "because it is wide"]])
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0].split() == ["identifier", "an-identifier-of-thirty-chars"]
    assert lines[1].split() == ["verdict", "FAIL"] and lines[2].split()[0] == "reason"


def test_memory_tables_at_80_columns_and_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Keys, versions and expiry stay whole at 80 columns; only the value preview is cut, with "…"."""
    db = str(tmp_path / "m.duckdb")
    long_value = {"notes": "a description long enough to need far more than one line of eighty columns " * 2}
    run(
        capsys,
        "--db",
        db,
        "memory",
        "store",
        "-n",
        "ml-experiments",
        "-k",
        "exp-42/metrics",
        "-v",
        json.dumps(long_value),
    )
    code, piped = run(capsys, "--db", db, "memory", "list", "-n", "ml-experiments")
    assert code == 0 and json.dumps(long_value, separators=(",", ":")) in piped  # a pipe: all of it
    as_terminal(monkeypatch)
    for argv in (
        ["list", "-n", "ml-experiments"],
        ["history", "-n", "ml-experiments", "-k", "exp-42/metrics"],
    ):
        code, out = run(capsys, "--db", db, "memory", *argv)
        lines = out.splitlines()
        assert code == 0 and max(cell_len(line) for line in lines) <= 80
        row = next(line for line in lines if '{"notes"' in line)
        assert "…" in row  # the preview, cut where the room the other columns leave ends
        assert re.search(r"\b1\b", row) and re.search(r"20\d\d-\d\d-\d\d", row)  # version, expiry whole
    code, out = run(capsys, "--db", db, "memory", "namespaces")
    whole(out, "ml-experiments", "ml-production-predictions", "365 d", "permanent")
