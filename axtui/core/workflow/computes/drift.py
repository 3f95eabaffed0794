"""Drift computes: data drift per column, prediction drift, and ADWIN over a stream."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import compute
from axtui.errors import InputError


@compute("drift")
def drift(
    reference: str,
    current: str,
    columns: list[Any] | None = None,
    categorical: list[Any] | None = None,
    numeric: list[Any] | None = None,
) -> dict[str, Any]:
    """Per-column data drift of current vs reference (PSI, KS, JS, χ²; docs/reference/statistics.md)."""
    from axtui.stats.drift import compute_drift

    return compute_drift(reference, current, columns=columns, categorical=categorical, numeric=numeric)


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
