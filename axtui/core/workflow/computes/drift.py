"""Drift computes: data drift per column, prediction drift, and ADWIN over a stream."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import ComputeContext, compute
from axtui.errors import InputError


@compute("drift")
def drift(
    current: str,
    reference: str | None = None,
    columns: list[Any] | None = None,
    categorical: list[Any] | None = None,
    numeric: list[Any] | None = None,
    baseline: Any = None,
    *,
    ctx: ComputeContext,
) -> dict[str, Any]:
    """Per-column data drift of current vs reference (PSI, KS, JS, χ²; docs/reference/statistics.md).

    ``baseline`` is a stored ``profile`` (baseline_stats): drift is then measured against it, without the
    reference's raw data (docs/scaling.md). Columns done are reported through ``ctx.progress``.
    """
    from axtui.stats.drift import compute_drift
    from axtui.stats.profile import profile_from_baseline

    profile = profile_from_baseline(baseline)  # a stored baseline_stats profile, if any
    if profile is None and reference is None:
        raise InputError("compute drift needs 'reference'", where="drift: reference")
    return compute_drift(
        profile if profile is not None else reference,
        current,
        columns=columns,
        categorical=categorical,
        numeric=numeric,
        progress=ctx.progress,
    )


@compute("profile")
def profile(
    data: str,
    columns: list[Any] | None = None,
    categorical: list[Any] | None = None,
    *,
    ctx: ComputeContext,
) -> dict[str, Any]:
    """Reference profile for drift without the raw data (bins, counts, moments, KLL sketch).

    docs/scaling.md describes the profile and how drift reads it back (``drift`` with ``baseline``).
    Columns done are reported through ``ctx.progress``.
    """
    from axtui.stats.profile import build_profile

    built = build_profile(data, columns=columns, categorical=categorical, progress=ctx.progress)
    return {"profile": built.to_dict(), "rows": built.rows, "columns": list(built.columns)}


@compute("prediction_drift")
def prediction_drift(reference: str, current: str, column: str) -> dict[str, Any]:
    """Drift of one prediction or score column."""
    from axtui.stats.drift import compute_prediction_drift

    return compute_prediction_drift(reference, current, column)


@compute("adwin")
def adwin(
    stream: str | None = None,
    column: str | None = None,
    values: list[float] | None = None,
    delta: float | None = None,
) -> dict[str, Any]:
    """ADWIN concept-drift detections over a stream column or values (river defaults)."""
    from axtui.stats import adwin as detector

    params: dict[str, Any] = {} if delta is None else {"delta": delta}
    if values is not None:
        return detector.run_adwin(values, **params)
    if stream is None:
        raise InputError("compute adwin needs 'stream'", where="adwin: stream")
    if column is None:
        raise InputError("compute adwin needs 'column'", where="adwin: column")
    return detector.run_adwin_file(stream, column, **params)
