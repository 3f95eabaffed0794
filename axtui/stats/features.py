"""Feature validation (docs/reference/statistics.md#features): quality per column, redundant pairs,
target association, leakage between train and test, and features computed from the future.

Definitions (also in docs/statistics.md):
* numeric = integer or float columns (booleans and text are categorical; dates are temporal);
  NaN counts as missing; ±inf is counted, reported as a warning and left out of the statistics.
* missing_flag: missing rate > 50%. constant: at most one distinct non-missing value.
* high_cardinality: a categorical column with at least 10 values and more than 50 distinct values or
  distinct values in more than half its rows.
* skewness: Fisher-Pearson g1 = m3 / m2^1.5 (scipy.stats.skew with bias=True); skewed when |g1| > 1.
* outlier_share: share of values below Q1 − 1.5·IQR or above Q3 + 1.5·IQR (numpy linear quantiles).
* correlated_pairs: numeric pairs with |Pearson r| > 0.95 over rows where both are present.
* target association: Pearson r when feature and target are numeric, otherwise mutual information
  (nats) with numbers cut into 10 quantile bins, plus MI normalised by the target's entropy.
  Strength = |r| or normalised MI, in [0, 1].
* leakage risk (not judged for identifier-like text columns, distinct in over half their rows, whose
  in-sample MI is always maximal): DANGEROUS when the strength is ≥ 0.95 in either file
  (near-perfect); WARNING when the association in DATA differs from the reference (train) by more
  than 0.3; otherwise SAFE.
* future data: a row is from the future when a feature timestamp column holds a later time than the
  row's time column. Feature timestamp columns are the other date/datetime columns, plus text columns
  named like *_at, *_time, *_ts, *_date, *_timestamp (or timestamp/date) that parse as timestamps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.io import read_table, require_columns
from axtui.values import finite as _finite

MISSING_FLAG = 0.5
HIGH_CARD_UNIQUE = 50
HIGH_CARD_RATIO = 0.5
HIGH_CARD_MIN_ROWS = 10
SKEW_FLAG = 1.0
CORRELATED = 0.95
NEAR_PERFECT = 0.95
SHARP_DIFFERENCE = 0.3
MI_BINS = 10
_TIME_NAME = re.compile(r"(^|_)(at|time|ts|date|timestamp|datetime)$", re.IGNORECASE)


def _kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "categorical"
    if dtype.is_numeric():
        return "numeric"
    if dtype.is_temporal():
        return "temporal"
    return "categorical"


def _load(data: str | Path | pl.DataFrame, name: str) -> tuple[pl.DataFrame, str]:
    if isinstance(data, pl.DataFrame):
        if data.height == 0:
            raise InputError("the data has no rows", where=name)
        return data, name
    return read_table(data), str(data)


def _numeric_values(series: pl.Series) -> np.ndarray:
    """Finite values only (nulls, NaN and ±inf removed)."""
    arr = series.cast(pl.Float64).drop_nulls().to_numpy()
    return arr[np.isfinite(arr)]


def skewness(values: np.ndarray) -> float | None:
    if values.size < 3:
        return None
    d = values - values.mean()
    m2 = float(np.mean(d**2))
    if m2 <= 0 or m2 < 1e-14 * max(1.0, float(np.mean(values**2))):
        return None
    return float(np.mean(d**3) / m2**1.5)


def outlier_share(values: np.ndarray) -> float | None:
    if values.size == 0:
        return None
    q1, q3 = np.percentile(values, [25, 75])
    iqr = q3 - q1
    out = (values < q1 - 1.5 * iqr) | (values > q3 + 1.5 * iqr)
    return float(out.mean())


def _column_report(series: pl.Series, rows: int, source: str, warnings: list[str]) -> dict[str, Any]:
    kind = _kind(series.dtype)
    missing = series.null_count()
    if series.dtype.is_float():
        missing += int(series.is_nan().sum())
    non_null = series.drop_nulls()
    if series.dtype.is_float():
        non_null = non_null.filter(~non_null.is_nan())
    unique = int(non_null.n_unique()) if non_null.len() else 0
    report: dict[str, Any] = {
        "name": series.name,
        "dtype": str(series.dtype),
        "kind": kind,
        "missing_rate": missing / rows if rows else None,
        "missing_flag": bool(rows and missing / rows > MISSING_FLAG),
        "unique_count": unique,
        "constant": unique <= 1,
        "high_cardinality": bool(
            kind == "categorical"
            and non_null.len() >= HIGH_CARD_MIN_ROWS
            and (unique > HIGH_CARD_UNIQUE or unique / non_null.len() > HIGH_CARD_RATIO)
        ),
        "skewness": None,
        "skewed": False,
        "outlier_share": None,
        "infinite_count": 0,
        "target_association": None,
        "leakage_risk": None,
    }
    if missing == rows:
        warnings.append(f"{source}: column {series.name!r} is entirely missing")
    if kind == "numeric":
        arr = non_null.cast(pl.Float64).to_numpy()
        infinite = int((~np.isfinite(arr)).sum())
        report["infinite_count"] = infinite
        if infinite:
            warnings.append(
                f"{source}: column {series.name!r} has {infinite} infinite value(s); "
                "they are left out of its statistics"
            )
        finite = arr[np.isfinite(arr)]
        report["skewness"] = skewness(finite)
        report["skewed"] = report["skewness"] is not None and abs(report["skewness"]) > SKEW_FLAG
        report["outlier_share"] = outlier_share(finite)
    return report


# --- association -----------------------------------------------------------------------------------


def _pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    mask = np.isfinite(a) & np.isfinite(b)
    a, b = a[mask], b[mask]
    if a.size < 3:
        return None
    da, db = a - a.mean(), b - b.mean()
    den = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    if den == 0:
        return None
    return float(np.clip(np.dot(da, db) / den, -1.0, 1.0))


def _codes(series: pl.Series) -> np.ndarray:
    """Integer codes per row: numbers cut into quantile bins, categories by value; -1 for missing."""
    if _kind(series.dtype) == "numeric":
        arr = series.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        ok = np.isfinite(arr)
        codes = np.full(arr.size, -1, dtype=np.int64)
        if ok.any():
            edges = np.unique(np.quantile(arr[ok], np.arange(1, MI_BINS) / MI_BINS))
            codes[ok] = np.searchsorted(edges, arr[ok], side="right")
        return codes
    text = series.cast(pl.String)
    codes = text.cast(pl.Categorical).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    return codes


def mutual_information(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
    """MI (nats) between two code arrays, and MI divided by the entropy of y."""
    mask = (x >= 0) & (y >= 0)
    x, y = x[mask], y[mask]
    if x.size == 0:
        return 0.0, None
    _, xi = np.unique(x, return_inverse=True)
    _, yi = np.unique(y, return_inverse=True)
    kx, ky = xi.max() + 1, yi.max() + 1
    joint = np.bincount(xi * ky + yi, minlength=kx * ky).reshape(kx, ky) / x.size
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    mi = float(np.sum(joint[nz] * np.log(joint[nz] / np.outer(px, py)[nz])))
    hy = float(-np.sum(py[py > 0] * np.log(py[py > 0])))
    return max(mi, 0.0), (min(mi / hy, 1.0) if hy > 0 else None)


def _association(feature: pl.Series, target: pl.Series) -> dict[str, Any] | None:
    if _kind(feature.dtype) == "temporal":
        return None
    if _kind(feature.dtype) == "numeric" and _kind(target.dtype) == "numeric":
        r = _pearson(
            feature.cast(pl.Float64).fill_null(float("nan")).to_numpy(),
            target.cast(pl.Float64).fill_null(float("nan")).to_numpy(),
        )
        return {"method": "pearson", "value": r, "strength": None if r is None else abs(r)}
    mi, norm = mutual_information(_codes(feature), _codes(target))
    return {"method": "mutual_information", "value": mi, "normalized": norm, "strength": norm}


def _correlated_pairs(frame: pl.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    if len(names) < 2:
        return []
    mat = np.column_stack([frame[n].cast(pl.Float64).fill_null(float("nan")).to_numpy() for n in names])
    pairs: list[dict[str, Any]] = []
    if np.all(np.isfinite(mat)):
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.corrcoef(mat, rowvar=False)
        get = lambda i, j: _finite(corr[i, j])  # noqa: E731
    else:
        get = lambda i, j: _pearson(mat[:, i], mat[:, j])  # noqa: E731
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = get(i, j)
            if r is not None and abs(r) > CORRELATED:
                pairs.append({"a": names[i], "b": names[j], "pearson": float(np.clip(r, -1, 1))})
    return sorted(pairs, key=lambda p: -abs(p["pearson"]))


# --- time ------------------------------------------------------------------------------------------


def _as_datetime(series: pl.Series, *, where: str, strict: bool) -> pl.Series | None:
    """A naive-UTC microsecond datetime series, or None (strict=False) when it does not parse."""
    dtype = series.dtype
    try:
        if dtype == pl.Date:
            return series.cast(pl.Datetime("us"))
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return series.cast(pl.Datetime("us"))
        if dtype == pl.String:
            parsed = series.str.to_datetime(strict=True, time_unit="us")
            if isinstance(parsed.dtype, pl.Datetime) and parsed.dtype.time_zone is not None:
                parsed = parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return parsed
    except Exception as exc:
        if strict:
            raise InputError(
                f"column {series.name!r} does not parse as timestamps",
                where=where,
                hint="use ISO-8601 dates or timestamps, e.g. 2025-01-31 or 2025-01-31T12:00:00",
            ) from exc
        return None
    if strict:
        raise InputError(
            f"column {series.name!r} is {dtype}, not a date or timestamp",
            where=where,
            hint="the time column must hold dates or ISO-8601 timestamps",
        )
    return None


def _future(
    frame: pl.DataFrame, time_col: str, source: str, feature_time_cols: list[str] | None
) -> dict[str, Any]:
    base = _as_datetime(frame[time_col], where=f"{source}: column {time_col}", strict=True)
    assert base is not None
    checked: dict[str, pl.Series] = {}
    candidates = (
        feature_time_cols if feature_time_cols is not None else [c for c in frame.columns if c != time_col]
    )
    for name in candidates:
        series = frame[name]
        explicit = feature_time_cols is not None
        if not explicit and not (
            series.dtype.is_temporal() or (series.dtype == pl.String and _TIME_NAME.search(name))
        ):
            continue
        parsed = _as_datetime(series, where=f"{source}: column {name}", strict=explicit)
        if parsed is not None:
            checked[name] = parsed
    base_arr = base.to_numpy()
    any_future = np.zeros(frame.height, dtype=bool)
    by_column: dict[str, int] = {}
    for name, parsed in checked.items():
        values = parsed.to_numpy()
        ok = ~np.isnat(values) & ~np.isnat(base_arr)
        later = np.zeros(frame.height, dtype=bool)
        later[ok] = values[ok] > base_arr[ok]
        by_column[name] = int(later.sum())
        any_future |= later
    rows = np.flatnonzero(any_future)
    return {
        "time_col": time_col,
        "checked_columns": list(checked),
        "future_rows": int(rows.size),
        "future_share": rows.size / frame.height,
        "by_column": by_column,
        "example_rows": rows[:5].tolist(),
        "definition": "a row is from the future when a feature timestamp column is later than "
        f"{time_col!r} in that row (row numbers are 0-based)",
    }


# --- entry point -----------------------------------------------------------------------------------


def validate_features(
    data: str | Path | pl.DataFrame,
    *,
    target: str | None = None,
    time_col: str | None = None,
    reference: str | Path | pl.DataFrame | None = None,
    feature_time_cols: list[str] | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> dict[str, Any]:
    """Validate the features of DATA (the test set when ``reference`` is the training set).

    ``progress(done, total, rows)`` hears of each column reported, with the rows read
    (the signature of ``stats.drift``'s); the pairwise and target checks follow the last one.
    """
    frame, source = _load(data, "<data>")
    wanted = [c for c in (target, time_col, *(feature_time_cols or [])) if c]
    require_columns(source, frame.columns, wanted)
    warnings: list[str] = []
    rows = frame.height
    if rows < 2:
        warnings.append(f"{source}: only {rows} row; statistics need more data")
    reports = []
    for i, name in enumerate(frame.columns, 1):
        reports.append(_column_report(frame[name], rows, source, warnings))
        if progress is not None:
            progress(i, frame.width, rows)
    for report in reports:
        if report["name"] == time_col:
            report["high_cardinality"] = False  # distinct timestamps are expected, not a problem
    features = [c for c in frame.columns if c not in (target, time_col)]
    numeric = [
        r["name"] for r in reports if r["kind"] == "numeric" and r["name"] in features and not r["constant"]
    ]
    result: dict[str, Any] = {
        "rows": rows,
        "columns": reports,
        "correlated_pairs": _correlated_pairs(frame, numeric),
        "target": target,
        "leakage": [],
        "future_data": None,
        "warnings": warnings,
        "reference_rows": None,
        "thresholds": {
            "missing_flag": MISSING_FLAG,
            "correlated": CORRELATED,
            "skewed": SKEW_FLAG,
            "near_perfect": NEAR_PERFECT,
            "sharp_difference": SHARP_DIFFERENCE,
            "high_cardinality_unique": HIGH_CARD_UNIQUE,
            "high_cardinality_ratio": HIGH_CARD_RATIO,
        },
    }
    ref_frame = None
    ref_source = None
    if reference is not None:
        ref_frame, ref_source = _load(reference, "<reference>")
        result["reference_rows"] = ref_frame.height
        only_data = [c for c in frame.columns if c not in ref_frame.columns]
        only_ref = [c for c in ref_frame.columns if c not in frame.columns]
        if only_data or only_ref:
            warnings.append(
                f"columns differ between {ref_source} and {source}: only in data: "
                f"{', '.join(only_data) or '-'}; only in reference: {', '.join(only_ref) or '-'}; "
                "compared on the common columns"
            )
        if target:
            require_columns(ref_source, ref_frame.columns, [target])
    if target:
        _target_checks(frame, ref_frame, target, features, reports, result)
    elif reference is not None:
        warnings.append("no --target: leakage between reference and data needs the target column")
    if time_col:
        result["future_data"] = _future(frame, time_col, source, feature_time_cols)
    return result


def _target_checks(
    frame: pl.DataFrame,
    ref_frame: pl.DataFrame | None,
    target: str,
    features: list[str],
    reports: list[dict[str, Any]],
    result: dict[str, Any],
) -> None:
    if frame[target].null_count() == frame.height:
        raise InputError(f"the target column {target!r} is entirely missing", where=f"column {target}")
    by_name = {r["name"]: r for r in reports}
    for name in features:
        test = _association(frame[name], frame[target])
        by_name[name]["target_association"] = test
        if test is None:
            continue
        if by_name[name]["kind"] == "categorical" and by_name[name]["unique_count"] > HIGH_CARD_RATIO * max(
            1, frame.height - frame[name].null_count()
        ):
            # An identifier-like column carries the target's full entropy in-sample: MI says nothing.
            test["reliable"] = False
            by_name[name]["leakage_risk"] = None
            result["warnings"].append(
                f"column {name!r} is identifier-like (distinct in most rows): "
                "its mutual information with the target is not meaningful"
            )
            continue
        train = None
        if ref_frame is not None and name in ref_frame.columns:
            train = _association(ref_frame[name], ref_frame[target])
        reasons: list[str] = []
        risk = "SAFE"
        strengths = [a["strength"] for a in (test, train) if a and a.get("strength") is not None]
        if strengths and max(strengths) >= NEAR_PERFECT:
            risk = "DANGEROUS"
            reasons.append(f"near-perfect association with the target ({max(strengths):.3f})")
        if train is not None and test.get("value") is not None and train.get("value") is not None:
            key = "value" if test["method"] == "pearson" else "normalized"
            a, b = train.get(key), test.get(key)
            if a is not None and b is not None and abs(a - b) > SHARP_DIFFERENCE:
                risk = "DANGEROUS" if risk == "DANGEROUS" else "WARNING"
                reasons.append(
                    f"association with the target differs sharply: reference {a:.3f}, data {b:.3f}"
                )
        by_name[name]["leakage_risk"] = risk
        if risk != "SAFE":
            result["leakage"].append(
                {"column": name, "risk": risk, "reasons": reasons, "reference": train, "data": test}
            )
