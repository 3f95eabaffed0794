"""Deployment computes: the mlops-deployment numbers and verdicts (guide-mlops.md, "Deployment Pipeline").

* ``readiness_checklist`` — the pre-deployment checklist, computed from the
  registry record, the stored evaluation and the artifact file itself (the
  checksum is recomputed, not trusted);
* ``container_spec`` — a Dockerfile and a serving config as text artifacts,
  derived from the registry record (framework, schemas, checksum);
* ``rollout_plan`` — the traffic migration for a strategy (canary ramp,
  blue-green switch, shadow mirror, direct) with its rollback triggers, each
  evaluated against the shadow evaluation's evidence: PROCEED or HALT;
* ``post_deploy_check`` — the new version's serving log against thresholds:
  HEALTHY or ROLLBACK.

Default thresholds are the guide's monitoring configuration
(``latency_p99_threshold_ms: 100``, ``error_rate_threshold: 0.01``,
``prediction_drift_threshold: 0.05``) plus two shadow gates of ours: agreement
with production at least 0.8 (unless labelled requests show the new version at
least as good on every metric) and no metric worse by more than 0.02.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axtui.core.workflow.computes.catalogue import compute
from axtui.errors import InputError

STRATEGIES = ("canary", "blue-green", "shadow", "direct")
DEFAULT_THRESHOLDS: dict[str, float] = {
    "latency_p99_threshold_ms": 100.0,
    "error_rate_threshold": 0.01,
    "prediction_drift_threshold": 0.05,
    "min_agreement": 0.8,
    "max_metric_drop": 0.02,
}
CANARY_STEPS = (25, 50, 100)
# The stages of the strategies that do not ramp: (traffic percent, lasts stage_minutes?, action) each,
# and how to roll back.
FIXED_STAGES: dict[str, tuple[list[tuple[float, bool, str]], str]] = {
    "blue-green": (
        [
            (0, True, "deploy green beside blue and run smoke tests on green"),
            (100, True, "switch the router to green; blue stays on standby"),
            (100, False, "decommission blue after the standby window"),
        ],
        "switch the router back to blue (still running during the standby window)",
    ),
    "shadow": (
        [
            (0, True, "mirror 100% of requests to the new version; responses are discarded"),
            (0, False, "compare with production; promote with another strategy when the gates hold"),
        ],
        "stop mirroring; production was never affected",
    ),
    "direct": (
        [(100, False, "replace the previous version with the new one")],
        "redeploy the previous version from the registry",
    ),
}
DEPLOYABLE = ("staged", "canary", "production")


def thresholds_from(given: dict[str, Any] | None, **overrides: float | None) -> dict[str, float]:
    """Defaults overridden by the ``thresholds`` mapping and by arguments of the same name."""
    given = given or {}
    out = dict(DEFAULT_THRESHOLDS)
    for key in DEFAULT_THRESHOLDS:
        value = overrides[key] if overrides.get(key) is not None else given.get(key)
        if value is None or value == "":
            continue
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"threshold {key} must be a number (got {value!r})", where=f"thresholds.{key}"
            ) from None
    unknown = sorted(set(given) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise InputError(
            f"unknown threshold(s): {', '.join(unknown)}",
            where="thresholds",
            hint="known: " + ", ".join(DEFAULT_THRESHOLDS),
        )
    return out


def _item(name: str, ok: bool | None, detail: str) -> dict[str, Any]:
    return {"item": name, "status": "PASS" if ok else ("FAIL" if ok is False else "SKIP"), "detail": detail}


# --- readiness --------------------------------------------------------------------------------------

# Checklist items that only need fields of the registry record:
# (item, the fields it needs, detail when all are there, detail otherwise).
_RECORD_ITEMS = (
    (
        "schemas",
        ("input_schema", "output_schema"),
        "input and output schemas registered",
        "input or output schema missing in the registry record",
    ),
    (
        "dependencies",
        ("framework", "framework_version"),
        "{framework} {framework_version}",
        "framework or framework_version not recorded",
    ),
    (
        "lineage",
        ("experiment_id", "training_dataset"),
        "experiment and training dataset linked",
        "experiment_id or training_dataset missing",
    ),
)


@compute("readiness_checklist")
def readiness_checklist(
    record: dict[str, Any],
    evaluation: dict[str, Any] | None = None,
    artifact_path: str | None = None,
    thresholds: dict[str, Any] | None = None,
    latency_p99_threshold_ms: float | None = None,
) -> dict[str, Any]:
    """Pre-deployment checklist from the registry record, the evaluation and the artifact.

    READY only when every item passes; SKIP items (no SLA given) do not block. The artifact's
    checksum is recomputed, not trusted.
    """
    from axtui.stats.artifacts import sha256_of

    if not record:
        raise InputError(
            "readiness_checklist needs the registry record of the version",
            where="readiness_checklist: record",
            hint="fetch it with memory_retrieve first",
        )
    evaluation = evaluation or None
    th = thresholds_from(thresholds, latency_p99_threshold_ms=latency_p99_threshold_ms)
    items: list[dict[str, Any]] = []
    status = record.get("status")
    items.append(
        _item(
            "registered",
            status in DEPLOYABLE,
            f"{record.get('model_name')} {record.get('version')} is {status}"
            + ("" if status in DEPLOYABLE else ": archived or deprecated versions are not deployed"),
        )
    )
    path = artifact_path or record.get("artifact_path")
    expected = str(record.get("artifact_checksum") or "").lower()
    if not path or not Path(str(path)).is_file():
        items.append(_item("artifact_integrity", False, f"artifact not found at {path!r}"))
    else:
        actual = sha256_of(path)
        items.append(
            _item(
                "artifact_integrity",
                actual == expected,
                "sha256 matches the registered checksum"
                if actual == expected
                else f"sha256 {actual} differs from the registered {expected or '(none)'}",
            )
        )
    for name, fields, present, missing in _RECORD_ITEMS:
        ok = all(bool(record.get(f)) for f in fields)
        items.append(_item(name, ok, present.format_map(record) if ok else missing))
    if evaluation is None:
        items.append(
            _item(
                "evaluation", False, "no stored evaluation for this version (run ml-model-evaluation first)"
            )
        )
        items.append(_item("latency_sla", None, "no latency profile to check"))
    else:
        rec = str(evaluation.get("recommendation") or "").upper()
        items.append(_item("evaluation", rec == "GO", f"evaluation recommendation {rec or '(none)'}"))
        profile = evaluation.get("latency_profile") or {}
        p99 = profile.get("p99") if isinstance(profile, dict) else None
        if p99 is None:
            items.append(_item("latency_sla", None, "the evaluation has no p99 latency"))
        else:
            limit = th["latency_p99_threshold_ms"]
            items.append(
                _item("latency_sla", float(p99) <= limit, f"p99 {float(p99):.1f} ms vs SLA {limit:g} ms")
            )
    blocking = [i["item"] for i in items if i["status"] == "FAIL"]
    return {
        "status": "READY" if not blocking else "NOT_READY",
        "items": items,
        "blocking": blocking,
        "passed": sum(i["status"] == "PASS" for i in items),
        "total": len(items),
    }


# --- container spec ---------------------------------------------------------------------------------

_FRAMEWORK_PACKAGES = {
    "sklearn": "scikit-learn",
    "scikit-learn": "scikit-learn",
    "xgboost": "xgboost",
    "pytorch": "torch",
    "torch": "torch",
    "tensorflow": "tensorflow",
    "numpy": "numpy",
    "lightgbm": "lightgbm",
}


def _field_names(schema: Any) -> list[str]:
    if isinstance(schema, list):
        return [str(s["name"]) if isinstance(s, dict) else str(s) for s in schema]
    if isinstance(schema, dict):
        return [str(k) for k in schema]
    return []


@compute("container_spec")
def container_spec(
    record: dict[str, Any],
    port: int = 8000,
    deployment_target: str = "kubernetes",
    replicas: int = 2,
    cpu: str = "500m",
    memory: str = "512Mi",
    output_dir: str | None = None,
) -> dict[str, Any]:
    """Dockerfile, requirements and serving config for a registered version (written to ``output_dir``)."""
    if not record:
        raise InputError("container_spec needs the registry record", where="container_spec: record")
    name, version = str(record.get("model_name")), str(record.get("version"))
    framework = str(record.get("framework") or "").lower()
    fw_version = str(record.get("framework_version") or "")
    target = deployment_target
    package = _FRAMEWORK_PACKAGES.get(framework, framework)
    requirements = ["fastapi==0.115.*", "uvicorn==0.32.*"]
    if package:
        requirements.append(f"{package}=={fw_version}" if fw_version else package)
    deps = record.get("dependencies")
    if isinstance(deps, list):
        requirements += [str(d) for d in deps if str(d) not in requirements]
    elif isinstance(deps, dict):
        requirements += [f"{k}=={v}" for k, v in deps.items()]
    artifact = Path(str(record.get("artifact_path") or "model.bin")).name
    checksum = record.get("artifact_checksum")
    dockerfile = "\n".join(
        [
            "FROM python:3.11-slim",
            f'LABEL model.name="{name}" model.version="{version}" model.sha256="{checksum}"',
            "WORKDIR /app",
            "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt",
            f"COPY {artifact} /app/model/{artifact}",
            "COPY model_service/ /app/",
            f"ENV MODEL_PATH=/app/model/{artifact} MODEL_NAME={name} MODEL_VERSION={version}",
            f"EXPOSE {port}",
            f"HEALTHCHECK CMD python -c \"import urllib.request; urllib.request.urlopen('http://localhost:{port}/health')\"",
            f'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "{port}"]',
            "",
        ]
    )
    config = {
        "model": {
            "name": name,
            "version": version,
            "artifact": f"/app/model/{artifact}",
            "sha256": record.get("artifact_checksum"),
        },
        "api": {
            "predict": "POST /predict",
            "health": "GET /health",
            "port": port,
            "input_fields": _field_names(record.get("input_schema")),
            "output_fields": _field_names(record.get("output_schema")),
        },
        "deployment": {
            "target": target,
            "replicas": replicas,
            "resources": {
                "cpu": cpu,
                "memory": memory,
            },
        },
        "logging": {"predictions": True, "latency": True},
    }
    serving_config = _yaml(config)
    written: list[str] = []
    if output_dir:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for fname, text in (
            ("Dockerfile", dockerfile),
            ("serving.yaml", serving_config),
            ("requirements.txt", "\n".join(requirements) + "\n"),
        ):
            (folder / fname).write_text(text, encoding="utf-8")
            written.append(str(folder / fname))
    image = f"{name}:{version}"
    return {
        "image": image,
        "dockerfile": dockerfile,
        "serving_config": serving_config,
        "requirements": requirements,
        "files": written,
    }


def _yaml(value: Any, indent: int = 0) -> str:
    """A tiny deterministic YAML writer for the serving config (keys in the order given)."""
    pad = "  " * indent
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines.append(_yaml(item, indent + 1).rstrip("\n"))
        elif isinstance(item, list):
            lines.append(f"{pad}{key}: {json.dumps(item)}")
        else:
            lines.append(f"{pad}{key}: {json.dumps(item) if not isinstance(item, int | float) else item}")
    return "\n".join(lines) + "\n"


# --- rollout ----------------------------------------------------------------------------------------


def _trigger(
    metric: str, threshold: float, comparison: str, observed: float | None, source: str
) -> dict[str, Any]:
    if observed is None:
        fired = None
    elif comparison == ">":
        fired = observed > threshold
    else:
        fired = observed < threshold
    return {
        "metric": metric,
        "comparison": comparison,
        "threshold": threshold,
        "observed": observed,
        "fired": fired,
        "source": source,
    }


@compute("rollout_plan")
def rollout_plan(
    strategy: str = "canary",
    traffic_percentage: float = 10,
    stage_minutes: int = 30,
    shadow: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    latency_p99_threshold_ms: float | None = None,
    error_rate_threshold: float | None = None,
    prediction_drift_threshold: float | None = None,
    min_agreement: float | None = None,
    max_metric_drop: float | None = None,
) -> dict[str, Any]:
    """Traffic migration stages and rollback triggers for canary, blue-green, shadow or direct.

    HALT when a trigger fires on the shadow evidence; PROCEED otherwise.
    """
    strategy = strategy.lower()
    if strategy not in STRATEGIES:
        raise InputError(
            f"unknown rollout strategy {strategy!r}",
            where="rollout_strategy",
            hint="use one of: " + ", ".join(STRATEGIES),
        )
    th = thresholds_from(
        thresholds,
        latency_p99_threshold_ms=latency_p99_threshold_ms,
        error_rate_threshold=error_rate_threshold,
        prediction_drift_threshold=prediction_drift_threshold,
        min_agreement=min_agreement,
        max_metric_drop=max_metric_drop,
    )
    initial_f = float(traffic_percentage)
    if not 0 < initial_f <= 100:
        raise InputError(
            f"traffic_percentage must be in (0, 100], got {initial_f:g}", where="traffic_percentage"
        )
    initial: float | int = int(initial_f) if initial_f.is_integer() else initial_f
    if strategy == "canary":
        ramp = sorted({initial, *[s for s in CANARY_STEPS if s > initial]})
        rows = [(p, p < 100, f"route {p:g}% of traffic to the new version") for p in ramp]
        rollback = "set the new version's traffic weight to 0% and keep the previous version serving"
    else:
        rows, rollback = FIXED_STAGES[strategy]
    stages = [
        {
            "stage": i + 1,
            "traffic_percent": percent,
            "duration_minutes": stage_minutes if timed else None,
            "action": action,
        }
        for i, (percent, timed, action) in enumerate(rows)
    ]
    shadow = shadow or None
    triggers = [
        _trigger("error_rate", th["error_rate_threshold"], ">", None, "live monitoring during each stage"),
    ]
    lat = ((shadow or {}).get("latency") or {}).get("shadow") or {}
    triggers.append(
        _trigger(
            "latency_p99_ms",
            th["latency_p99_threshold_ms"],
            ">",
            lat.get("p99"),
            "shadow evaluation" if lat else "live monitoring during each stage",
        )
    )
    agreement = (shadow or {}).get("agreement_rate")
    deltas = (((shadow or {}).get("metrics") or {}).get("delta")) or {}
    worst_delta = min(deltas.values()) if deltas else None
    agreement_trigger = _trigger(
        "agreement_rate",
        th["min_agreement"],
        "<",
        agreement,
        "shadow evaluation" if shadow else "not measured (no shadow evaluation)",
    )
    if agreement_trigger["fired"] and worst_delta is not None and worst_delta >= 0:
        # Disagreeing with production is expected when labelled requests show the new version is at least
        # as good on every metric; it is a trigger only when it cannot be explained that way.
        agreement_trigger["fired"] = False
        agreement_trigger["note"] = "below the threshold, but every labelled metric is at least as good"
    triggers.append(agreement_trigger)
    triggers.append(
        _trigger(
            "worst_metric_delta",
            -th["max_metric_drop"],
            "<",
            worst_delta,
            "shadow evaluation (labelled requests)" if deltas else "not measured (no labels)",
        )
    )
    fired = [t["metric"] for t in triggers if t["fired"]]
    decision = "HALT" if fired else "PROCEED"
    final = 0 if decision == "HALT" or strategy == "shadow" else stages[-1]["traffic_percent"]
    return {
        "strategy": strategy,
        "stages": stages,
        "rollback_triggers": triggers,
        "fired": fired,
        "decision": decision,
        "final_traffic_percent": final,
        "rollback_procedure": rollback,
        "complete": decision == "PROCEED" and final == 100,
        # which way the workflow goes next: migrate fully, stay in shadow, or stop and keep production
        "gate": "halt" if decision == "HALT" else ("shadow" if strategy == "shadow" else "proceed"),
        "reason": ("rollback trigger(s) fired on the shadow evidence: " + ", ".join(fired))
        if fired
        else (
            "every trigger holds on the evidence available"
            + ("; shadow mode never serves traffic" if strategy == "shadow" else "")
        ),
    }


# --- post-deployment --------------------------------------------------------------------------------


@compute("post_deploy_check")
def post_deploy_check(
    serving_log_path: str,
    reference_path: str | None = None,
    reference_positive_rate: float | None = None,
    min_accuracy: float | None = None,
    thresholds: dict[str, Any] | None = None,
    latency_col: str = "latency_ms",
    status_col: str = "status",
    pred_col: str = "prediction",
    label_col: str = "label",
    latency_p99_threshold_ms: float | None = None,
    error_rate_threshold: float | None = None,
    prediction_drift_threshold: float | None = None,
) -> dict[str, Any]:
    """The new version's serving log against thresholds: HEALTHY, or ROLLBACK with what failed."""
    import numpy as np
    import polars as pl

    from axtui.stats.io import read_table, require_columns

    path = serving_log_path
    th = thresholds_from(
        thresholds,
        latency_p99_threshold_ms=latency_p99_threshold_ms,
        error_rate_threshold=error_rate_threshold,
        prediction_drift_threshold=prediction_drift_threshold,
    )
    frame = read_table(path)
    require_columns(path, frame.columns, [latency_col, status_col, pred_col])
    checks: list[dict[str, Any]] = []
    lat = frame[latency_col].cast(pl.Float64).drop_nulls().to_numpy()
    if lat.size == 0:
        raise InputError("no latency values", where=f"{path}: column {latency_col}")
    p50, p95, p99 = (float(v) for v in np.percentile(lat, [50, 95, 99]))
    checks.append(
        {
            "check": "latency_p99_ms",
            "observed": p99,
            "threshold": th["latency_p99_threshold_ms"],
            "passed": p99 <= th["latency_p99_threshold_ms"],
        }
    )
    status = frame[status_col].cast(pl.String).str.to_lowercase()
    errors = int(status.is_in(["error", "failed", "fail", "5xx", "timeout"]).sum())
    error_rate = errors / frame.height
    checks.append(
        {
            "check": "error_rate",
            "observed": error_rate,
            "threshold": th["error_rate_threshold"],
            "passed": error_rate <= th["error_rate_threshold"],
        }
    )
    served = frame.filter(~status.is_in(["error", "failed", "fail", "5xx", "timeout"]))
    preds = served[pred_col].drop_nulls()
    positive_rate = float(preds.cast(pl.Float64).mean()) if preds.dtype.is_numeric() and preds.len() else None
    reference = reference_positive_rate
    ref_path = reference_path
    if reference is None and ref_path:
        ref = read_table(ref_path)
        require_columns(ref_path, ref.columns, [pred_col])
        reference = float(ref[pred_col].cast(pl.Float64).mean())
    if reference is not None and positive_rate is not None:
        drift = abs(positive_rate - float(reference))
        checks.append(
            {
                "check": "prediction_drift",
                "observed": drift,
                "threshold": th["prediction_drift_threshold"],
                "passed": drift <= th["prediction_drift_threshold"],
                "positive_rate": positive_rate,
                "reference_positive_rate": float(reference),
            }
        )
    accuracy = None
    if label_col in served.columns:
        labelled = served.drop_nulls([label_col, pred_col])
        if labelled.height:
            accuracy = float((labelled[label_col] == labelled[pred_col]).mean())
            min_acc = min_accuracy
            if min_acc is not None:
                checks.append(
                    {
                        "check": "accuracy",
                        "observed": accuracy,
                        "threshold": float(min_acc),
                        "passed": accuracy >= float(min_acc),
                        "labelled": labelled.height,
                    }
                )
    failed = [c["check"] for c in checks if not c["passed"]]
    return {
        "requests": frame.height,
        "errors": errors,
        "error_rate": error_rate,
        "latency": {"p50": p50, "p95": p95, "p99": p99},
        "positive_rate": positive_rate,
        "accuracy": accuracy,
        "checks": checks,
        "failed": failed,
        "status": "HEALTHY" if not failed else "ROLLBACK",
        "reason": "every post-deployment check holds" if not failed else "failed: " + ", ".join(failed),
    }
