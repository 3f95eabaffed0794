"""Artifact validation: every check reads the real file, and a FAIL names what to fix."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from axtui.core.workflow.computes import run_compute
from axtui.errors import InputError
from axtui.stats.artifacts import sha256_of, validate_artifact

META = {
    "dataset_version": "churn-2025q4",
    "hyperparameters": {"lr": 0.1},
    "metrics": {"accuracy": 0.73},
    "experiment_id": "exp-42",
    "framework": "numpy",
    "framework_version": "2.4",
}


@pytest.fixture
def artifact(tmp_path: Path) -> tuple[Path, Path, str]:
    model = tmp_path / "model.json"
    model.write_bytes(b'{"weights": [0.5, -1.25], "intercept": 0.1}\n')
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "input": [{"name": "a", "type": "float"}, {"name": "b", "type": "float"}],
                "output": [{"name": "p", "type": "float"}],
            }
        )
    )
    return model, schema, hashlib.sha256(model.read_bytes()).hexdigest()


def _status(result: dict, name: str) -> str:
    return next(c["status"] for c in result["checks"] if c["name"] == name)


def test_valid_artifact_passes_every_check(artifact) -> None:
    model, schema, digest = artifact
    result = validate_artifact(
        model, expected_sha256=digest, schema_path=schema, feature_names=["a", "b"], metadata=META
    )
    assert result["status"] == "PASS", result["failed"]
    assert result["sha256"] == digest == sha256_of(model)
    assert result["size_bytes"] == model.stat().st_size
    assert result["checksum_match"] is True
    assert [c["name"] for c in result["checks"]] == [
        "exists",
        "checksum",
        "size",
        "input_schema",
        "output_schema",
        "feature_names",
        "metadata",
        "dependencies",
    ]


def test_checksum_mismatch_fails_and_reports_both_digests(artifact) -> None:
    model, schema, digest = artifact
    wrong = "0" * 64
    result = validate_artifact(model, expected_sha256=wrong, schema_path=schema, metadata=META)
    assert result["status"] == "FAIL"
    assert result["failed"] == ["checksum"]
    check = next(c for c in result["checks"] if c["name"] == "checksum")
    assert check["expected"] == wrong and check["actual"] == digest
    assert "mismatch" in check["detail"]


def test_side_file_provides_expected_checksum(artifact) -> None:
    model, schema, digest = artifact
    Path(str(model) + ".sha256").write_text(f"{digest.upper()}  model.json\n")
    result = validate_artifact(model, schema_path=schema, metadata=META)
    assert _status(result, "checksum") == "PASS"


def test_missing_expected_checksum_is_a_failure(artifact) -> None:
    model, schema, _ = artifact
    result = validate_artifact(model, schema_path=schema, metadata=META)
    assert result["failed"] == ["checksum"]


def test_missing_file_fails_exists_checksum_and_size(tmp_path: Path) -> None:
    result = validate_artifact(
        tmp_path / "nope.pkl",
        expected_sha256="a" * 64,
        input_schema=["x"],
        output_schema=["y"],
        metadata=META,
    )
    assert result["status"] == "FAIL"
    assert set(result["failed"]) == {"exists", "checksum", "size"}
    assert result["sha256"] is None


def test_size_limits(artifact) -> None:
    model, schema, digest = artifact
    result = validate_artifact(
        model, expected_sha256=digest, schema_path=schema, metadata=META, max_size_bytes=10
    )
    assert result["failed"] == ["size"]
    empty = model.parent / "empty.bin"
    empty.write_bytes(b"")
    result = validate_artifact(
        empty, expected_sha256=hashlib.sha256(b"").hexdigest(), schema_path=schema, metadata=META
    )
    assert result["failed"] == ["size"]


def test_schema_and_feature_mismatch(artifact) -> None:
    model, _, digest = artifact
    result = validate_artifact(
        model,
        expected_sha256=digest,
        input_schema={"a": "float", "c": "int"},
        output_schema=None,
        feature_names=["a", "b"],
        metadata=META,
    )
    assert set(result["failed"]) == {"output_schema", "feature_names"}
    fn = next(c for c in result["checks"] if c["name"] == "feature_names")
    assert fn["missing"] == ["b"] and fn["extra"] == ["c"]


def test_metadata_and_dependencies_completeness(artifact) -> None:
    model, schema, digest = artifact
    meta = dict(META, experiment_id="", hyperparameters={})
    del meta["framework_version"]
    result = validate_artifact(model, expected_sha256=digest, schema_path=schema, metadata=meta)
    meta_check = next(c for c in result["checks"] if c["name"] == "metadata")
    assert meta_check["missing"] == ["hyperparameters", "experiment_id"]
    assert next(c for c in result["checks"] if c["name"] == "dependencies")["missing"] == [
        "framework_version"
    ]


def test_bad_schema_file_is_an_input_error(artifact, tmp_path: Path) -> None:
    model, _, digest = artifact
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError) as info:
        validate_artifact(model, expected_sha256=digest, schema_path=bad)
    assert info.value.where == str(bad)
    with pytest.raises(InputError):
        validate_artifact(model, expected_sha256=digest, schema_path=tmp_path / "absent.json")


def test_compute_args_collect_metadata_from_top_level(artifact) -> None:
    model, schema, digest = artifact
    result = run_compute(
        "checksum",
        {"artifact_path": str(model), "expected_checksum": digest, "schema_path": str(schema), **META},
    )
    assert result["status"] == "PASS"
    with pytest.raises(InputError):
        run_compute("checksum", {})


def test_example_artifacts_match_their_side_files() -> None:
    data = Path(__file__).parent.parent / "examples" / "catalogue" / "data"
    for name in ("baseline", "candidate"):
        result = validate_artifact(
            data / f"model_{name}.json", schema_path=data / f"model_{name}_schema.json", metadata=META
        )
        assert result["status"] == "PASS", result["failed"]
