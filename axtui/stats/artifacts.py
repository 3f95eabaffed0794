"""Model artifact validation before registration (the registry workflow's ``validate-model``).

The seed asked a persona to "validate the artifact"; nothing was ever opened or
hashed. Here every check reads the file system: the artifact must exist, its
SHA-256 must equal the expected one, it must have a plausible size, its input and
output schemas must be present (and agree with the declared feature names), and
the lineage metadata the registry records must be filled in. The verdict is PASS
only when every check passes; each check carries its own detail so a FAIL says
exactly what to fix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from axtui.errors import InputError

# The seed's "Metadata Completeness" list: dataset version, hyperparameters,
# evaluation metrics, experiment id.
REQUIRED_METADATA = ("dataset_version", "hyperparameters", "metrics", "experiment_id")
# The seed's "Dependency Check": libraries documented with their versions.
REQUIRED_DEPENDENCIES = ("framework", "framework_version")
_CHUNK = 1 << 20


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large artifacts do not fill memory."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _artifact_file(path: Path) -> Path | None:
    """The file to hash. A folder is refused rather than guessing which file in it is the model."""
    return path if path.is_file() else None


def _read_schema_file(schema_path: Path) -> dict[str, Any]:
    if not schema_path.exists():
        raise InputError(
            "schema file not found",
            where=str(schema_path),
            hint="pass the JSON file holding the model's input and output schemas",
        )
    try:
        data = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the schema file: {exc}",
            where=str(schema_path),
            hint="the schema file must be JSON with 'input' and 'output' keys",
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            "the schema file must hold a JSON object",
            where=str(schema_path),
            hint='use {"input": [...], "output": [...]}',
        )
    return data


def _schema_field_names(schema: Any) -> list[str] | None:
    """Field names of a schema given as a list of {name, type} or of names, or a {name: type} map."""
    if isinstance(schema, dict):
        if "fields" in schema:
            return _schema_field_names(schema["fields"])
        if "properties" in schema and isinstance(schema["properties"], dict):  # JSON Schema
            return list(schema["properties"])
        return [str(k) for k in schema]
    if isinstance(schema, list):
        names: list[str] = []
        for item in schema:
            if isinstance(item, dict) and "name" in item:
                names.append(str(item["name"]))
            elif isinstance(item, str):
                names.append(item)
            else:
                return None
        return names
    return None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, dict | list | tuple):
        return len(value) > 0
    return True


def _check(name: str, ok: bool, detail: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "status": "PASS" if ok else "FAIL", "detail": detail, **extra}


NOT_SUPPLIED = "NOT SUPPLIED"
# Evidence a registration may go without (MLflow registers a version from its artifact alone): recorded
# as NOT SUPPLIED, the verdict is INCOMPLETE rather than FAIL, and the version is never promoted on it.
OPTIONAL_METADATA = ("metrics",)
OPTIONAL_DEPENDENCIES = ("framework_version",)


def _not_supplied(name: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "status": NOT_SUPPLIED, "detail": detail, **extra}


def validate_artifact(
    artifact_path: str | Path,
    *,
    expected_sha256: str | None = None,
    schema_path: str | Path | None = None,
    input_schema: Any = None,
    output_schema: Any = None,
    feature_names: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    required_metadata: tuple[str, ...] | list[str] = REQUIRED_METADATA,
    min_size_bytes: int = 1,
    max_size_bytes: int | None = None,
) -> dict[str, Any]:
    """Run every artifact check and return the PASS/FAIL verdict with per-check details.

    ``expected_sha256`` may also come from a ``<artifact>.sha256`` side file (the
    first hex word in it). Schemas come from the arguments or from ``schema_path``
    (keys ``input``/``input_schema`` and ``output``/``output_schema``; a
    ``feature_names`` key there is used when none is given).
    """
    path = Path(artifact_path)
    metadata = dict(metadata or {})
    checks: list[dict[str, Any]] = []

    # 1. Artifact integrity: exists and readable.
    target = _artifact_file(path)
    readable = False
    if target is not None:
        try:
            with target.open("rb") as handle:
                handle.read(1)
            readable = True
        except OSError:
            readable = False
    if target is None:
        detail = "folder given, expected the artifact file" if path.is_dir() else "file does not exist"
    else:
        detail = "file exists and is readable" if readable else "file exists but cannot be read"
    checks.append(_check("exists", readable, detail))

    digest = sha256_of(target) if readable and target is not None else None
    size = target.stat().st_size if readable and target is not None else None

    # 1b. Checksum against the expected value.
    expected = (expected_sha256 or "").strip().lower() or None
    side_file = Path(str(path) + ".sha256")
    if expected is None and side_file.is_file():
        words = side_file.read_text(encoding="utf-8").split()
        expected = words[0].lower() if words else None
    if digest is None:
        checks.append(
            _check("checksum", False, "cannot hash a missing artifact", actual=None, expected=expected)
        )
    elif expected is None:
        checks.append(
            _check(
                "checksum",
                False,
                "no expected checksum given to verify against (pass expected_sha256 or a .sha256 side file)",
                actual=digest,
                expected=None,
            )
        )
    else:
        ok = digest == expected
        checks.append(
            _check(
                "checksum",
                ok,
                "sha256 matches the expected value"
                if ok
                else f"sha256 mismatch: expected {expected}, file has {digest}",
                actual=digest,
                expected=expected,
            )
        )

    # 1c. Size.
    if size is None:
        checks.append(_check("size", False, "no file to measure", size_bytes=None))
    else:
        problems = []
        if size < min_size_bytes:
            problems.append(f"{size} bytes is below the minimum {min_size_bytes}")
        if max_size_bytes is not None and size > max_size_bytes:
            problems.append(f"{size} bytes exceeds the limit {max_size_bytes}")
        checks.append(_check("size", not problems, "; ".join(problems) or f"{size} bytes", size_bytes=size))

    # 2. Schema validation.
    schema_doc: dict[str, Any] = {}
    if schema_path:
        schema_doc = _read_schema_file(Path(schema_path))
    if input_schema is None:
        input_schema = schema_doc.get("input", schema_doc.get("input_schema"))
    if output_schema is None:
        output_schema = schema_doc.get("output", schema_doc.get("output_schema"))
    if not feature_names and schema_doc.get("feature_names"):
        feature_names = list(schema_doc["feature_names"])
    in_names = _schema_field_names(input_schema) if _present(input_schema) else None
    out_names = _schema_field_names(output_schema) if _present(output_schema) else None
    if not schema_path and input_schema is None and output_schema is None:
        detail = "no schema file supplied"
        checks += [_not_supplied(name, detail) for name in ("input_schema", "output_schema")]
        checks.append(
            _not_supplied("feature_names", detail, missing=[], extra=[])
            if not feature_names
            else _check(
                "feature_names", True, f"{len(feature_names)} feature names recorded (no schema to compare)"
            )
        )
    else:
        _schema_checks(checks, in_names, out_names, feature_names)
    _metadata_checks(checks, metadata, required_metadata)
    failed = [c["name"] for c in checks if c["status"] == "FAIL"]
    not_supplied = _not_supplied_items(checks)
    return {
        "status": "FAIL" if failed else ("INCOMPLETE" if not_supplied else "PASS"),
        "artifact_path": str(path),
        "sha256": digest,
        "expected_sha256": expected,
        "checksum_match": digest is not None and expected is not None and digest == expected,
        "size_bytes": size,
        "input_schema": input_schema,
        "output_schema": output_schema,
        "feature_names": list(feature_names or in_names or []),
        "checks": checks,
        "failed": failed,
        "not_supplied": not_supplied,
    }


_EVIDENCE_NAMES = {"metrics": "test-set predictions (metrics)"}


def _not_supplied_items(checks: list[dict[str, Any]]) -> list[str]:
    """What was not supplied, in words: the schema file, the framework version, the test-set predictions."""
    items: list[str] = []
    for check in checks:
        if check["status"] != NOT_SUPPLIED:
            continue
        names = check.get("missing") or []
        words = [_EVIDENCE_NAMES.get(n, n) for n in names] or ["schema file"]
        items += [w for w in words if w not in items]
    return items


def _schema_checks(
    checks: list[dict[str, Any]], in_names: list[str] | None, out_names: list[str] | None, feature_names: Any
) -> None:
    """Input/output schema present, and the declared feature names agree with the input schema."""
    checks.append(
        _check(
            "input_schema",
            bool(in_names),
            f"{len(in_names)} input fields" if in_names else "input schema missing or empty",
        )
    )
    checks.append(
        _check(
            "output_schema",
            bool(out_names),
            f"{len(out_names)} output fields" if out_names else "output schema missing or empty",
        )
    )
    if feature_names and in_names:
        missing = [f for f in feature_names if f not in in_names]
        extra = [f for f in in_names if f not in feature_names]
        ok = not missing and not extra
        detail = (
            "feature names match the input schema"
            if ok
            else (f"not in input schema: {missing or '-'}; in schema but not features: {extra or '-'}")
        )
        checks.append(_check("feature_names", ok, detail, missing=missing, extra=extra))
    elif in_names:
        checks.append(
            _check(
                "feature_names",
                True,
                f"no separate feature list: the input schema's {len(in_names)} fields are the feature names",
                missing=[],
                extra=[],
            )
        )
    else:
        checks.append(
            _check(
                "feature_names",
                False,
                "feature names recorded but no input schema to compare with"
                if feature_names
                else "neither feature names nor an input schema recorded",
            )
        )


def _metadata_checks(
    checks: list[dict[str, Any]], metadata: dict[str, Any], required_metadata: tuple[str, ...] | list[str]
) -> None:
    """Lineage metadata and dependencies: a missing required item FAILs, a missing optional one (the
    metrics, the framework version) is NOT SUPPLIED."""
    for name, keys, optional, ok_detail in (
        ("metadata", required_metadata, OPTIONAL_METADATA, "all lineage metadata recorded"),
        (
            "dependencies",
            REQUIRED_DEPENDENCIES,
            OPTIONAL_DEPENDENCIES,
            f"{metadata.get('framework')} {metadata.get('framework_version')}",
        ),
    ):
        missing = [k for k in keys if not _present(metadata.get(k))]
        hard = [k for k in missing if k not in optional]
        if hard:
            checks.append(_check(name, False, "missing: " + ", ".join(missing), missing=missing))
        elif missing:
            checks.append(_not_supplied(name, "not supplied: " + ", ".join(missing), missing=missing))
        else:
            checks.append(_check(name, True, ok_detail, missing=[]))
