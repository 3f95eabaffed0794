"""``columns:`` on file inputs: the file's schema is checked at once, by one function every front end uses.

Failure paths first: a missing column is named with what the file has, a folder or a missing file is
refused, and a session whose inputs are invalid writes nothing (no session row, no memory).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml

from axtui.cli import main
from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine, validate_file
from axtui.core.workflow.fields import FormError, check_data_file, file_columns, validate_form
from axtui.core.workflow.model import Field

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "examples" / "data" / "ab_events.csv"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _events_without_variant(tmp_path: Path) -> Path:
    target = tmp_path / "events.csv"
    pl.read_csv(EVENTS).rename({"variant": "arm"}).write_csv(target)
    return target


def _db_rows(db: Path) -> tuple[int, int]:
    with Store(db) as store:
        sessions = store.query("SELECT count(*) FROM sessions")[0][0]
        memory = store.query("SELECT count(*) FROM memory_entries")[0][0]
    return sessions, memory


# --- the one core check ------------------------------------------------------------------------


def test_a_missing_column_is_named_with_what_the_file_has(tmp_path: Path) -> None:
    path = _events_without_variant(tmp_path)
    field = Field(name="events_path", type="path", columns=["{{variant_col}}", "converted"])
    problem = check_data_file(field, str(path), {"variant_col": "variant"})
    assert problem == (
        f"{path} has no column 'variant' (the file has: user_id, arm, converted, revenue, latency_ms)"
    )
    assert check_data_file(field, str(EVENTS), {"variant_col": "variant"}) is None


def test_several_missing_columns_and_list_inputs(tmp_path: Path) -> None:
    field = Field(name="p", type="path", columns=["{{metrics}}", "{{unset}}", "{{blank}}"])
    problem = check_data_file(field, str(EVENTS), {"metrics": ["converted", "clicks", "spend"], "blank": ""})
    assert problem is not None and "has no columns 'clicks', 'spend'" in problem


def test_a_folder_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    field = Field(name="p", type="path", columns=["x"])
    assert check_data_file(field, str(tmp_path), {}) == f"{tmp_path} is a folder; give the data file itself"
    assert (
        check_data_file(field, str(tmp_path / "nope.csv"), {}) == f"file not found: {tmp_path / 'nope.csv'}"
    )
    assert check_data_file(field, None, {}) is None  # an optional file not given: nothing to check


def test_only_the_schema_is_read(tmp_path: Path) -> None:
    """A CSV whose body polars could not parse still passes: only the header is read."""
    path = tmp_path / "big.csv"
    path.write_text("a,b,c\n1,2,3\n" + "not,a,valid,row,at,all\n" * 3 + '"unterminated\n', encoding="utf-8")
    assert file_columns(path) == ["a", "b", "c"]
    assert check_data_file(Field(name="p", type="path", columns=["b"]), str(path), {}) is None


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".json", ".tsv"])
def test_every_data_format(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame({"variant": ["a", "b"], "y": [1, 0]})
    path = tmp_path / f"data{suffix}"
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".jsonl":
        frame.write_ndjson(path)
    elif suffix == ".json":
        frame.write_json(path)
    else:
        frame.write_csv(path, separator="\t")
    assert file_columns(path) == ["variant", "y"]
    problem = check_data_file(Field(name="p", type="path", columns=["label"]), str(path), {})
    assert problem == f"{path} has no column 'label' (the file has: variant, y)"


def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet")
    problem = check_data_file(Field(name="p", type="path", columns=["a"]), str(bad), {})
    assert problem is not None and problem.startswith(f"{bad}: cannot read the file's columns")
    text = tmp_path / "x.txt"
    text.write_text("a\n", encoding="utf-8")
    problem = check_data_file(Field(name="p", type="path", columns=["a"]), str(text), {})
    assert problem is not None and "unsupported file type '.txt'" in problem


def test_validate_form_checks_columns_against_the_other_fields(tmp_path: Path) -> None:
    fields = [
        Field(name="events", type="path", must_exist=True, columns=["{{variant_col}}"]),
        Field(name="variant_col", type="text", default="variant", has_default=True),
    ]
    with pytest.raises(FormError) as err:
        validate_form("inputs", fields, {"events": str(_events_without_variant(tmp_path))})
    assert set(err.value.errors) == {"events"}
    assert "has no column 'variant'" in err.value.errors["events"]
    assert validate_form("inputs", fields, {"events": str(EVENTS)})["variant_col"] == "variant"
    # the other field can rename the column the file must hold
    ok = validate_form(
        "inputs", fields, {"events": str(_events_without_variant(tmp_path)), "variant_col": "arm"}
    )
    assert ok["variant_col"] == "arm"


# --- declaring it ------------------------------------------------------------------------------


def _workflow(tmp_path: Path, inputs: dict) -> Path:
    path = tmp_path / "wf.yaml"
    doc = {
        "workflowId": "cols",
        "name": "cols",
        "version": "1",
        "inputs": inputs,
        "steps": [{"stepId": "s", "type": "compute", "config": {"fn": "values", "args": {"x": "{{f}}"}}}],
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_validate_refuses_columns_on_a_non_path_field_and_unknown_inputs(tmp_path: Path) -> None:
    bad = _workflow(tmp_path, {"f": {"type": "text", "columns": ["a"]}})
    assert any("columns: applies to path fields only" in p.message for p in validate_file(bad)[1])
    unknown = _workflow(tmp_path, {"f": {"type": "path", "columns": ["{{nope}}"]}})
    assert any("{{nope}} is not an input" in p.message for p in validate_file(unknown)[1])
    good = _workflow(tmp_path, {"f": {"type": "path", "columns": ["{{g}}", "lit"]}, "g": {"type": "text"}})
    assert [p for p in validate_file(good)[1] if p.severity == "error"] == []


def test_the_ab_testing_events_file_declares_the_variant_column() -> None:
    from axtui.core.workflow import load_workflow

    events = next(f for f in load_workflow("ml-ab-testing").inputs if f.name == "events_path")
    assert "{{variant_col}}" in (events.columns or [])


# --- every front end ---------------------------------------------------------------------------


def test_engine_start_refuses_before_anything_is_written(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    with Store(db) as store:
        engine = Engine(store, Settings(db_path=db))
        with pytest.raises(FormError) as err:
            engine.start(
                "ml-ab-testing",
                {
                    "experiment_id": "x",
                    "events_path": str(_events_without_variant(tmp_path)),
                    "primary_metric": "converted",
                },
            )
    assert (
        "events_path" in err.value.errors and "(the file has: user_id, arm" in err.value.errors["events_path"]
    )
    assert _db_rows(db) == (0, 0)


@pytest.mark.parametrize("case", ["column", "folder", "missing"])
def test_headless_input_is_checked_at_once(capsys, tmp_path: Path, case: str) -> None:
    db = tmp_path / "a.duckdb"
    path = {
        "column": str(_events_without_variant(tmp_path)),
        "folder": str(tmp_path),
        "missing": str(tmp_path / "gone.csv"),
    }[case]
    inputs = json.dumps({"experiment_id": "x", "events_path": path, "primary_metric": "converted"})
    code, _out, err = cli(capsys, "--db", str(db), "run", "ml-ab-testing", "--headless", "--input", inputs)
    assert code == 2
    expected = {
        "column": "has no column 'variant' (the file has: user_id, arm, converted",
        "folder": "is a folder; give the data file itself",
        "missing": "file not found",
    }[case]
    assert expected in err and "events_path" in err and "Traceback" not in err
    assert _db_rows(db) == (0, 0)


def test_json_error_document_names_the_field(capsys, tmp_path: Path) -> None:
    inputs = json.dumps(
        {
            "experiment_id": "x",
            "events_path": str(_events_without_variant(tmp_path)),
            "primary_metric": "converted",
        }
    )
    code, out, _ = cli(
        capsys,
        "--db",
        str(tmp_path / "a.duckdb"),
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        inputs,
    )
    assert code == 2
    doc = json.loads(out)
    assert "events_path" in json.dumps(doc) and "has no column 'variant'" in json.dumps(doc)


def test_batch_replay_is_checked_before_any_step(capsys, tmp_path: Path) -> None:
    replay = tmp_path / "r.yaml"
    replay.write_text(
        yaml.safe_dump(
            {
                "workflow": {"id": "ml-ab-testing"},
                "inputs": {
                    "experiment_id": "x",
                    "events_path": str(_events_without_variant(tmp_path)),
                    "primary_metric": "converted",
                },
            }
        ),
        encoding="utf-8",
    )
    db = tmp_path / "a.duckdb"
    code, _out, err = cli(capsys, "--db", str(db), "--batch", str(replay))
    assert code == 2 and "has no column 'variant'" in err
    assert _db_rows(db) == (0, 0)


def test_an_answers_file_is_checked_against_earlier_inputs(capsys, tmp_path: Path) -> None:
    """An input step's file field may name a workflow input in ``columns:``; the answers file is checked
    when that step is reached, and nothing after it runs (no memory written)."""
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        yaml.safe_dump(
            {
                "workflowId": "cols-answers",
                "name": "cols",
                "version": "1",
                "inputs": {"col": {"type": "text"}},
                "steps": [
                    {
                        "stepId": "upload",
                        "type": "input",
                        "config": {"fields": {"data": {"type": "path", "columns": ["{{col}}"]}}},
                    },
                    {
                        "stepId": "save",
                        "type": "tool",
                        "tool": "memory_store",
                        "config": {"namespace": "notes", "key": "k", "value": "{{data}}"},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        yaml.safe_dump({"upload": {"data": str(_events_without_variant(tmp_path))}}), encoding="utf-8"
    )
    db = tmp_path / "a.duckdb"
    code, _out, err = cli(
        capsys,
        "--db",
        str(db),
        "run",
        str(wf),
        "--headless",
        "--input",
        '{"col": "variant"}',
        "--answers",
        str(answers),
    )
    assert code == 2
    assert "upload" in err and "has no column 'variant' (the file has: user_id, arm" in err
    with Store(db) as store:
        assert store.query("SELECT count(*) FROM memory_entries")[0][0] == 0
