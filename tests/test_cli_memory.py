"""``axtui memory ...``: every command, human and --json output, and the bad-input list."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from axtui.cli import app, main


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def run(
    capsys: pytest.CaptureFixture[str], db: Path, *argv: str, json_out: bool = False
) -> tuple[int, str, str]:
    args = ["--db", str(db)] + (["--json"] if json_out else []) + list(argv)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def jrun(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, object, str]:
    code, out, err = run(capsys, db, *argv, json_out=True)
    return code, json.loads(out), err  # stdout is exactly one JSON document


def store(capsys: pytest.CaptureFixture[str], db: Path, ns: str, key: str, value: str, *extra: str) -> dict:
    code, doc, err = jrun(
        capsys, db, "memory", "store", "--namespace", ns, "--key", key, "--value", value, *extra
    )
    assert code == 0, err
    assert isinstance(doc, dict)
    return doc


# -- happy paths ----------------------------------------------------------------------------


def test_store_retrieve_merge_history(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    first = store(
        capsys, db, "ml-experiments", "exp-1/metrics", '{"model": "churn", "metrics": {"acc": 0.9}}'
    )
    assert first["version"] == 1 and first["expires_at"] is not None
    merged = store(capsys, db, "ml-experiments", "exp-1/metrics", '{"metrics": {"f1": 0.8}}', "--merge")
    assert (
        merged["value"] == {"model": "churn", "metrics": {"acc": 0.9, "f1": 0.8}} and merged["version"] == 2
    )

    code, out, err = run(
        capsys, db, "memory", "retrieve", "--namespace", "ml-experiments", "--key", "exp-1/metrics"
    )
    assert code == 0 and err == ""
    assert json.loads(out) == merged["value"]  # human mode prints the value itself as JSON

    code, doc, _ = jrun(capsys, db, "memory", "retrieve", "-n", "ml-experiments", "-k", "exp-1/metrics")
    assert code == 0 and doc["version"] == 2 and doc["key"] == "exp-1/metrics"

    code, doc, _ = jrun(capsys, db, "memory", "history", "-n", "ml-experiments", "-k", "exp-1/metrics")
    assert [(h["version"], h["op"]) for h in doc["history"]] == [(1, "store"), (2, "store")]
    code, out, _ = run(capsys, db, "memory", "history", "-n", "ml-experiments", "-k", "exp-1/metrics")
    assert code == 0 and "store" in out and "history of ml-experiments/exp-1/metrics" in out


def test_value_from_file_and_ttl(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    value_file = tmp_path / "value.json"
    value_file.write_text('{"severity": "high", "model": "fraud"}')
    doc = store(capsys, db, "ml-alerts", "fraud/1", f"@{value_file}", "--ttl", "3600")
    assert doc["value"] == {"severity": "high", "model": "fraud"}
    from datetime import datetime

    created = datetime.fromisoformat(doc["updated_at"].rstrip("Z"))
    expires = datetime.fromisoformat(doc["expires_at"].rstrip("Z"))
    assert (expires - created).total_seconds() == 3600
    permanent = store(capsys, db, "ml-model-registry", "fraud/versions/v1", '{"status": "staged"}')
    assert permanent["expires_at"] is None


def test_search_list_namespaces_delete_prune(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    store(capsys, db, "ml-model-registry", "churn/versions/v1", '{"model": "churn", "auc": 0.81}')
    store(capsys, db, "ml-model-registry", "churn/versions/v2", '{"model": "churn", "auc": 0.88}')
    store(capsys, db, "ml-alerts", "churn/a1", '{"model": "churn", "message": "drift detected"}')

    code, doc, _ = jrun(capsys, db, "memory", "search", "--query", "model:churn AND auc:[0.85 TO 1]")
    assert code == 0 and doc["count"] == 1 and doc["results"][0]["key"] == "churn/versions/v2"
    assert doc["results"][0]["score"] == 4.0
    code, doc, _ = jrun(capsys, db, "memory", "search", "-q", "model:churn", "--namespace", "ml-alerts")
    assert [r["key"] for r in doc["results"]] == ["churn/a1"]
    code, doc, _ = jrun(capsys, db, "memory", "search", "-q", "model:churn", "--limit", "2")
    assert doc["count"] == 2 and doc["limit"] == 2
    code, out, _ = run(capsys, db, "memory", "search", "-q", '"drift detected"')
    assert code == 0 and "churn/a1" in out and "1 result(s)" in out

    code, doc, _ = jrun(capsys, db, "memory", "list", "--namespace", "ml-model-registry")
    assert [e["key"] for e in doc["entries"]] == ["churn/versions/v1", "churn/versions/v2"]
    code, out, _ = run(capsys, db, "memory", "list")
    assert code == 0 and "churn/versions/v2" in out and "ml-alerts" in out

    code, doc, _ = jrun(capsys, db, "memory", "namespaces")
    counts = {n["name"]: (n["count"], n["default_ttl"]) for n in doc["namespaces"]}
    assert counts["ml-model-registry"] == (2, None) and counts["ml-alerts"] == (1, 30 * 86400)
    code, out, _ = run(capsys, db, "memory", "namespaces")
    assert "permanent" in out and "30 d" in out

    code, doc, _ = jrun(capsys, db, "memory", "delete", "-n", "ml-alerts", "-k", "churn/a1")
    assert code == 0 and doc == {"namespace": "ml-alerts", "key": "churn/a1", "deleted": True}
    code, doc, _ = jrun(capsys, db, "memory", "delete", "-n", "ml-alerts", "-k", "churn/a1")
    assert code == 1 and doc["error"] == "NotFoundError"

    store(capsys, db, "ml-alerts", "short", '{"x": 1}', "--ttl", "0.001")
    code, doc, _ = jrun(capsys, db, "memory", "prune")
    assert code == 0 and doc == {"pruned": 1}


@pytest.mark.parametrize("suffix", ["json", "parquet"])
def test_export_import_round_trip(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, suffix: str
) -> None:
    store(capsys, db, "ml-experiments", "e/1", '{"nested": {"list": [1, 2.5, "x", null, true]}}')
    store(capsys, db, "ml-feature-store", "fs/v1", '"a plain string"')
    code, before, _ = jrun(capsys, db, "memory", "list")
    out_file = tmp_path / f"dump.{suffix}"
    code, doc, _ = jrun(capsys, db, "memory", "export", "-o", str(out_file))
    assert code == 0 and doc["count"] == 2 and doc["format"] == suffix
    other = tmp_path / "other.duckdb"
    code, doc, _ = jrun(capsys, other, "memory", "import", str(out_file))
    assert code == 0 and doc["count"] == 2
    code, after, _ = jrun(capsys, other, "memory", "list")
    assert after == before


def test_typer_runner_invocation(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "runner.duckdb")
    result = runner.invoke(
        app, ["--db", db, "--json", "memory", "store", "-n", "ns", "-k", "k", "--value", "[1,2]"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["value"] == [1, 2]
    result = runner.invoke(app, ["--db", db, "memory", "retrieve", "-n", "ns", "-k", "k"])
    assert result.exit_code == 0 and json.loads(result.stdout) == [1, 2]
    result = runner.invoke(app, ["--db", db, "memory"])  # group without a command shows help
    assert "retrieve" in result.output


# -- the bad-input list: one message, exit 2 (1 for a missing key), nothing lost -----------------


def _assert_one_clean_error(code: int, out: str, err: str, expected_code: int, *fragments: str) -> None:
    assert code == expected_code, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith("error:"), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


BAD_INPUT = [
    (
        ["store", "-n", "ns", "-k", "k", "--value", "{model: churn}"],
        2,
        ["--value", "not valid JSON", "column 2"],
    ),
    (["store", "-n", "ns", "-k", "k", "--value", "@/no/such/file.json"], 2, ["does not exist"]),
    (["store", "-n", "ns", "-k", "k", "--value", "[1]", "--merge"], 2, ["merge needs a JSON object"]),
    (["store", "-n", "ns", "-k", "k", "--value", "1", "--ttl", "-5"], 2, ["positive number of seconds"]),
    (["store", "-n", "ns", "-k", "k", "--value", "1", "--ttl", "soon"], 2, ["--ttl", "number of seconds"]),
    (["store", "-n", "", "-k", "k", "--value", "1"], 2, ["namespace is empty"]),
    (["store", "-n", "ns", "-k", "", "--value", "1"], 2, ["key is empty"]),
    (["store", "-n", "ML Team", "-k", "k", "--value", "1"], 2, ["invalid namespace", "hint:"]),
    (["retrieve", "-n", "ns", "-k", "missing"], 1, ["no entry 'missing'"]),
    (["search", "-q", "model:churn AND (a OR"], 2, ["column 22", "^"]),
    (["search", "-q", "acc:[0.9 TO high]"], 2, ["neither a number nor an ISO timestamp"]),
    (["export", "-o", "out.csv"], 2, ["unsupported file type"]),
]


@pytest.mark.parametrize(
    "argv, expected_code, fragments", BAD_INPUT, ids=[" ".join(a[:1] + a[-2:]) for a, _, _ in BAD_INPUT]
)
def test_bad_input(
    capsys: pytest.CaptureFixture[str], db: Path, argv: list[str], expected_code: int, fragments: list[str]
) -> None:
    store(capsys, db, "ns", "k", '{"kept": true}')
    code, out, err = run(capsys, db, "memory", *argv)
    _assert_one_clean_error(code, out, err, expected_code, *fragments)
    assert out == ""
    code, out, _ = run(capsys, db, "memory", "retrieve", "-n", "ns", "-k", "k")
    assert json.loads(out) == {"kept": True}  # nothing already stored was lost


def test_bad_input_with_json_writes_the_error_as_the_one_document(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, doc, err = jrun(capsys, db, "memory", "store", "-n", "ns", "-k", "k", "--value", "nope")
    assert code == 2 and doc["error"] == "InputError" and doc["where"] == "--value"
    assert err.startswith("error:")


def test_unknown_namespace_is_created(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    doc = store(capsys, db, "brand-new.space", "k", "1")
    assert doc["namespace"] == "brand-new.space"
    _, doc, _ = jrun(capsys, db, "memory", "namespaces")
    assert ("brand-new.space", 1) in {(n["name"], n["count"]) for n in doc["namespaces"]}


def test_wrong_shape_import_names_file_and_record(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    store(capsys, db, "ns", "k", '{"kept": true}')
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"entries": [{"namespace": "ns", "key": "k", "value": 1}]}))
    code, out, err = run(capsys, db, "memory", "import", str(bad))
    _assert_one_clean_error(code, out, err, 2, str(bad), "record 0", "created_at")
    code, out, _ = run(capsys, db, "memory", "retrieve", "-n", "ns", "-k", "k")
    assert json.loads(out) == {"kept": True}


def test_database_in_a_missing_folder_is_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "new" / "folder" / "axtui.duckdb"
    store(capsys, db, "ns", "k", "1")
    assert db.is_file()


def test_database_problems_are_store_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("hello")
    code, out, err = run(capsys, not_duckdb, "memory", "list")
    _assert_one_clean_error(code, out, err, 2, "not a DuckDB database", str(not_duckdb))
    assert not_duckdb.read_text() == "hello"

    from tests.test_store import read_only_dir

    readonly = read_only_dir(tmp_path) / "axtui.duckdb"
    code, out, err = run(capsys, readonly, "memory", "list")
    _assert_one_clean_error(code, out, err, 2, str(readonly))


# -- the installed entry point, as a user runs it --------------------------------------------------


def entry_point() -> list[str]:
    exe = shutil.which("axtui", path=str(Path(sys.executable).parent)) or shutil.which("axtui")
    return [exe] if exe else [sys.executable, "-m", "axtui"]


def cli(db: Path, *argv: str, cwd: Path, wait: str = "30") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AXTUI_DB": str(db), "AXTUI_DB_WAIT": wait}
    return subprocess.run(
        [*entry_point(), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_entry_point_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "sub.duckdb"
    result = cli(
        db,
        "--json",
        "memory",
        "store",
        "-n",
        "ml-alerts",
        "-k",
        "m/1",
        "--value",
        '{"model": "churn", "psi": 0.31}',
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 1
    result = cli(db, "--json", "memory", "search", "-q", "psi:[0.25 TO *]", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["results"][0]["key"] == "m/1"
    result = cli(db, "memory", "retrieve", "-n", "ml-alerts", "-k", "nope", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    result = cli(db, "memory", "store", "-n", "ml-alerts", "-k", "x", "--value", "{oops", cwd=tmp_path)
    assert result.returncode == 2 and "--value" in result.stderr and "Traceback" not in result.stderr


LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    if sys.argv[2] == "write":
        with store.transaction():
            print("ready", flush=True)
            time.sleep(30)
    print("ready", flush=True)
    time.sleep(30)
""")


def _hold(db: Path, mode: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db), mode], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def test_entry_point_beside_an_idle_axtui_with_the_database_open(tmp_path: Path) -> None:
    """An open Store holds nothing between units of work: reads and writes go ahead."""
    db = tmp_path / "shared.duckdb"
    holder = _hold(db, "idle")
    try:
        assert cli(db, "memory", "store", "-n", "ns", "-k", "k", "--value", "1", cwd=tmp_path).returncode == 0
        result = cli(db, "memory", "list", cwd=tmp_path)
        assert result.returncode == 0 and "k" in result.stdout
    finally:
        holder.kill()
        holder.wait()


def test_entry_point_on_a_database_locked_by_another_axtui(tmp_path: Path) -> None:
    """A writer in a transaction past AXTUI_DB_WAIT: one message naming its PID, exit 2."""
    db = tmp_path / "locked.duckdb"
    holder = _hold(db, "write")
    try:
        result = cli(db, "memory", "store", "-n", "ns", "-k", "k", "--value", "1", cwd=tmp_path, wait="1")
        assert result.returncode == 2
        assert f"in use by process {holder.pid}" in result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1
    finally:
        holder.kill()
        holder.wait()
