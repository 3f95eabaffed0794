"""``axtui drift`` and ``axtui adwin`` end to end: exact JSON keys, exit codes, human output, text plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.cli import main
from axtui.stats.plots import bar, confusion_matrix_text, distribution_compare

DRIFT_DATA = Path(__file__).parent / "data" / "drift"
TOP_KEYS = {"reference_rows", "current_rows", "columns", "alert_level", "top_drifted"}
COLUMN_KEYS = {
    "name",
    "kind",
    "null_rate_reference",
    "null_rate_current",
    "psi",
    "ks_statistic",
    "ks_pvalue",
    "wasserstein",
    "js_distance",
    "chi2_statistic",
    "chi2_pvalue",
    "new_categories",
    "votes",
    "drifted",
    "severity",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(11)
    ref = pl.DataFrame(
        {
            "age": rng.normal(40, 10, 2000),
            "plan": rng.choice(["free", "pro"], 2000),
            "clicks": rng.poisson(3, 2000),
            "only_ref": np.zeros(2000),
        }
    )
    cur = pl.DataFrame(
        {
            "age": rng.normal(46, 10, 1500),
            "plan": rng.choice(["free", "pro", "team"], 1500),
            "clicks": rng.poisson(3, 1500),
        }
    )
    ref.write_parquet(tmp_path / "ref.parquet")
    cur.write_csv(tmp_path / "cur.csv")
    return tmp_path / "ref.parquet", tmp_path / "cur.csv"


def test_drift_json(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    code, out, _ = run(capsys, "--json", "drift", str(files[0]), str(files[1]))
    assert code == 0  # drift found is still a successful run
    doc = json.loads(out)
    assert set(doc) >= TOP_KEYS
    assert all(set(c) >= COLUMN_KEYS for c in doc["columns"])
    assert [c["name"] for c in doc["columns"]] == ["age", "plan", "clicks"]
    assert doc["only_in_reference"] == ["only_ref"]
    assert doc["alert_level"] == "RED"
    age = doc["columns"][0]
    assert age["kind"] == "numeric" and age["chi2_pvalue"] is None and age["drifted"] is True
    assert doc["columns"][1]["new_categories"] == ["team"]


def test_drift_column_flags(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    code, out, _ = run(
        capsys,
        "--json",
        "drift",
        str(files[0]),
        str(files[1]),
        "--columns",
        "clicks,plan",
        "--categorical",
        "clicks",
    )
    assert code == 0
    doc = json.loads(out)
    assert [(c["name"], c["kind"]) for c in doc["columns"]] == [
        ("clicks", "categorical"),
        ("plan", "categorical"),
    ]


def test_drift_human_output(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    code, out, _ = run(capsys, "drift", str(files[0]), str(files[1]))
    assert code == 0
    assert "alert level RED" in out
    assert "Drift per column" in out and "significant" in out
    assert "categories not seen in the reference: team" in out
    assert "age (PSI" in out and "ref █" in out  # the distribution plot of a drifted column
    assert "only in reference: only_ref" in out


def test_drift_compat_evidently(capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = (
        DRIFT_DATA / "evidently_large_reference.parquet",
        DRIFT_DATA / "evidently_large_current.parquet",
    )
    code, out, _ = run(capsys, "--json", "drift", str(ref), str(cur), "--compat", "evidently")
    assert code == 0
    doc = json.loads(out)
    assert {"columns", "dataset"} <= set(doc)
    assert set(doc["dataset"]) >= {"drifted_count", "drifted_share", "dataset_drift"}
    assert all({"name", "method", "score", "threshold", "drift_detected"} <= set(c) for c in doc["columns"])
    code, out, _ = run(capsys, "drift", str(ref), str(cur), "--compat", "evidently", "--stattest", "psi")
    assert code == 0 and "Evidently-compatible: no dataset drift" in out and "psi" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--compat", "whylogs"], "unknown --compat mode 'whylogs'"),
        (["--stattest", "psi"], "--stattest needs --compat evidently"),
        (["--compat", "evidently", "--categorical", "plan"], "do not apply with --compat evidently"),
        (["--columns", "nope"], "column 'nope' does not exist"),
        (["--numeric", "plan"], "column 'plan' is String, not numeric"),
    ],
)
def test_drift_bad_flags_exit_2(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--json", "drift", str(files[0]), str(files[1]), *argv)
    assert code == 2
    doc = json.loads(out)
    assert doc["error"] == "InputError" and message in doc["message"] and doc["exit_code"] == 2
    assert message in err


def test_drift_missing_file_exit_2(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "drift", str(tmp_path / "missing.csv"), str(files[1]))
    assert code == 2 and out == ""
    assert f"{tmp_path / 'missing.csv'}: file not found" in err


def test_adwin_json_and_human(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stream = json.loads((DRIFT_DATA / "adwin_river.json").read_text())["streams"]["errors_three_phases"]
    path = tmp_path / "stream.jsonl"
    pl.DataFrame({"err": stream}).write_ndjson(path)
    code, out, _ = run(capsys, "--json", "adwin", str(path), "--column", "err")
    assert code == 0
    doc = json.loads(out)
    assert {"rows", "detections", "params"} <= set(doc)
    assert doc["rows"] == len(stream)
    assert [d["index"] for d in doc["detections"]] == [1759, 3135]
    assert set(doc["detections"][0]) == {"index", "width", "estimation"}
    assert doc["params"]["delta"] == 0.002
    code, out, _ = run(capsys, "adwin", str(path), "--column", "err", "--delta", "0.5")
    assert code == 0 and "change(s) detected" in out


def test_adwin_bad_input_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("err\n0\n1\n")
    code, out, err = run(capsys, "--json", "adwin", str(path), "--column", "loss")
    assert code == 2 and json.loads(out)["message"] == "column 'loss' does not exist"
    code, _, err = run(capsys, "adwin", str(path), "--column", "err", "--delta", "2")
    assert code == 2 and "delta must be between 0 and 1" in err


# ---------------------------------------------------------------- text plots


def test_bar_resolution_and_bounds() -> None:
    assert bar(1.0, 4) == "████"
    assert bar(0.0, 4) == "    "
    assert bar(0.5, 3) == "█▌ "
    assert bar(2.0, 2) == "██" and bar(-1.0, 2) == "  "


def test_distribution_compare_layout() -> None:
    text = distribution_compare([0.25, 0.75], [0.5, 0.5], ["low", "high"], width=30)
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(" low ref ") and lines[0].endswith(" 25.0%")
    assert lines[1].startswith("     cur ") and lines[1].endswith(" 50.0%")
    assert lines[2].count("█") == 12  # the largest share fills the whole bar: 30 − 4 (label) − 14 = 12 cells
    assert all(len(line) <= 30 for line in lines)
    with pytest.raises(ValueError):
        distribution_compare([0.1], [0.1, 0.2], ["a"], 20)


def test_confusion_matrix_text() -> None:
    text = confusion_matrix_text([[50, 3], [7, 40]], ["neg", "pos"])
    lines = text.splitlines()
    assert lines[0].split() == ["true\\pred", "neg", "pos"]
    assert lines[1].split()[0] == "neg" and "50" in lines[1] and "3" in lines[1]
    assert lines[2].startswith("pos") and lines[2].rstrip().endswith("40")
    assert "█" in lines[1]  # 50/53 of the row: the darkest shade
    with pytest.raises(ValueError):
        confusion_matrix_text([[1, 2]], ["a", "b"])
