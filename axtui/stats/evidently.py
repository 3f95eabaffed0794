"""``axtui drift --compat evidently``: Evidently's default data-drift results, without Evidently.

Reproduces Evidently 0.4.x ``DataDriftPreset()`` with its default
``ColumnMapping`` (checked against Evidently 0.4.40, numbers committed in
tests/data/drift/evidently_reference.json):

* column types as ``process_columns`` assigns them on the reference data:
  numeric dtypes (not booleans) are numerical, everything else but dates is
  categorical; a column named ``target`` is numerical only if numeric with at
  least 5 distinct reference values; a column named ``prediction`` is
  numerical if the task is regression, if it is numeric with more than 5
  distinct values (no categorical target), or if it is a float in [0, 1]; a
  column named ``datetime`` is Evidently's timestamp and is not compared;
* the test per column from ``_get_default_stattest``: with at most 1000
  reference values, numerical columns with more than 5 distinct values get
  the KS p-value, other columns the chi-square p-value (more than 2 values) or
  the two-proportion Z-test p-value; above 1000 reference values, numerical
  columns with more than 5 distinct values get the Wasserstein distance
  normed by the reference std, other columns the Jensen–Shannon distance;
* Evidently's binning (``get_binned_data``): numerical columns with more than
  20 distinct reference values are cut into Sturges equal-width bins over
  both samples, others are counted per value; PSI fills empty bins;
* thresholds 0.05 for p-values (KS drifts at p ≤ 0.05, chi-square and Z at
  p < 0.05) and 0.1 for distances (drift at ≥ 0.1); dataset drift when the
  share of drifted columns is at least 0.5.

One deliberate difference: Evidently drops ±inf only from columns that also
contain NaN; here they are always dropped with the nulls (Evidently's scores
for such columns are NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.drift import (
    Pair,
    ProgressCallback,
    Source,
    _collect,
    _Plan,
    finite_sorted,
    keep_freed_memory,
    ks_and_wasserstein,
    open_pair,
    release_workspace,
    run_groups,
)

SMALL_REFERENCE = 1000
FEW_UNIQUE = 5
BINNING_UNIQUE = 20
DRIFT_SHARE = 0.5
STATTESTS = {
    # name: (default threshold, allowed column types, score is a p-value)
    "ks": (0.05, {"num"}, True),
    "chisquare": (0.05, {"cat"}, True),
    "z": (0.05, {"cat"}, True),
    "wasserstein": (0.1, {"num"}, False),
    "jensenshannon": (0.1, {"num", "cat"}, False),
    "psi": (0.1, {"num", "cat"}, False),
}
_RESERVED = {"datetime"}


def compute_evidently(
    reference: Source,
    current: Source,
    *,
    columns: Sequence[str] | None = None,
    stattest: str | None = None,
    threshold: float | None = None,
    method_thresholds: Mapping[str, float] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Evidently's DataDriftPreset verdicts: per column method, score, threshold, drift; dataset drift.

    ``stattest``/``threshold`` mirror the preset's own arguments of the same
    name (one test and one threshold for every column); by default each
    column gets Evidently's default choice. ``method_thresholds`` (test name ->
    threshold) overrides the threshold of the columns tested with that method.
    Columns are read a group at a time and tested on the worker threads, as in
    ``compute_drift``; ``progress`` is called after each group.
    """
    unknown = sorted(set(method_thresholds or {}) - set(STATTESTS))
    if unknown:
        raise InputError(
            f"unknown Evidently test(s) in the thresholds: {', '.join(unknown)}",
            where="--method-threshold",
            hint=f"use one of {', '.join(STATTESTS)}",
        )
    if stattest is not None and stattest not in STATTESTS:
        raise InputError(
            f"unknown Evidently stattest {stattest!r}", hint=f"use one of {', '.join(STATTESTS)}"
        )
    wanted = list(dict.fromkeys(columns or []))
    keep_freed_memory()
    try:
        return _compute(reference, current, wanted, stattest, threshold, method_thresholds, progress)
    finally:
        release_workspace()  # the merge buffers of the last column


def _compute(
    reference: Source,
    current: Source,
    wanted: list[str],
    stattest: str | None,
    threshold: float | None,
    method_thresholds: Mapping[str, float] | None,
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Type the columns from the schemas, then read and test them a group at a time on the worker threads.

    Like the default mode (``drift.run_groups``), only a few columns of both
    sides are in memory at once and both cores work; each column's score is
    computed by the same code as before, so the numbers do not change.
    """
    pair = open_pair(reference, current, wanted=wanted, named=wanted)
    ref_side, cur_side = pair.reference, pair.current
    names = [c for c in pair.selected if c not in _RESERVED or c in wanted]
    typed = _types(names, ref_side, cur_side)
    ordered = _evidently_order(typed)
    _preload(stattest, ref_side.rows)
    limits = method_thresholds or {}
    kinds = {name: kind for name, kind in typed.items() if kind is not None}

    def test(plan: _Plan, frames: tuple[pl.DataFrame, pl.DataFrame]) -> dict[str, Any]:
        return _outcome(plan, kinds[plan.name], frames, pair, stattest, threshold, limits)

    outcomes = run_groups(
        [_Plan(name, None, name in wanted) for name in ordered if name in kinds],
        lambda group: (_collect(ref_side, group), _collect(cur_side, group)),
        test,
        rows=max(ref_side.rows, cur_side.rows),
        total_rows=ref_side.rows + cur_side.rows,
        workers=None,
        progress=progress,
    )
    by_name = {o["name"]: o for o in outcomes}
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for name in ordered:
        if typed[name] is None:
            skipped.append({"name": name, "reason": "date/time columns are not compared by Evidently"})
        elif "skip" in by_name[name]:
            skipped.append({"name": name, "reason": by_name[name]["skip"]})
        else:
            rows.append(by_name[name])
    drifted = sum(1 for r in rows if r["drift_detected"])
    share = drifted / len(rows) if rows else 0.0
    return {
        "columns": rows,
        "dataset": {
            "drifted_count": drifted,
            "drifted_share": share,
            "dataset_drift": bool(rows) and share >= DRIFT_SHARE,
            "columns_tested": len(rows),
        },
        "skipped": skipped,
        "compat": "evidently 0.4 DataDriftPreset",
    }


def _types(names: list[str], ref: Any, cur: Any) -> dict[str, str | None]:
    """Evidently's column types; only ``target`` and ``prediction`` need their values (read here)."""
    special = [n for n in ("target", "prediction") if n in names]
    typed: dict[str, str | None] = {n: _kind_of(ref.schema[n]) for n in names if n not in special}
    if special:
        ref_frame, cur_frame = _collect(ref, special), _collect(cur, special)
        task = _task(ref_frame.get_column("target")) if "target" in special else None
        for name in special:
            typed[name] = _column_type(name, ref_frame.get_column(name), cur_frame.get_column(name), task)
    return typed


def _preload(stattest: str | None, ref_rows: int) -> None:
    """Import the tests' scipy modules before the threads start (an import in a thread holds the others)."""
    import scipy.special  # rel_entr, for Jensen–Shannon

    if stattest in {"ks", "chisquare", "z"} or (stattest is None and ref_rows <= SMALL_REFERENCE):
        import scipy.stats  # noqa: F401


def _outcome(
    plan: _Plan,
    kind: str,
    frames: tuple[pl.DataFrame, pl.DataFrame],
    pair: Pair,
    stattest: str | None,
    threshold: float | None,
    method_thresholds: Mapping[str, float],
) -> dict[str, Any]:
    """One column's test row, or ``{"name", "skip"}`` when a side has no values (an error if named)."""
    name = plan.name
    ref_vals = _clean(frames[0].get_column(name))
    cur_vals = _clean(frames[1].get_column(name))
    for label, values in ((pair.reference.label, ref_vals), (pair.current.label, cur_vals)):
        if values.len() == 0:
            if plan.named:
                raise InputError(
                    f"column {name!r} has no values",
                    where=f"{label}: column {name}",
                    hint="Evidently cannot test an empty column; leave it out",
                )
            return {"name": name, "skip": f"no values in {label}"}
    return _test_column(name, kind, ref_vals, cur_vals, stattest, threshold, method_thresholds)


# ---------------------------------------------------------------- column typing


def _task(target: pl.Series) -> str:
    """Evidently's recognize_task: numeric with at least 5 distinct values is regression."""
    return "regression" if _is_numeric(target) and target.drop_nulls().n_unique() >= 5 else "classification"


def _kind_of(dtype: pl.DataType) -> str | None:
    """The type of an ordinary column from its reference dtype: dates are not compared."""
    if dtype.is_temporal():
        return None
    return "num" if dtype.is_numeric() else "cat"


def _column_type(name: str, ref: pl.Series, cur: pl.Series, target_task: str | None) -> str | None:
    if ref.dtype.is_temporal():
        return None
    numeric = _is_numeric(ref)
    if name == "target":
        return "num" if target_task == "regression" else "cat"
    if name == "prediction":
        both = _union(ref, cur)
        regression = target_task == "regression" or (
            numeric and target_task != "classification" and both.drop_nulls().n_unique() > FEW_UNIQUE
        )
        if regression:
            return "num"
        is_integer = ref.dtype.is_integer() and ref.null_count() == 0
        if numeric and not is_integer:
            finite = both.drop_nulls()
            if finite.len() and finite.max() <= 1 and finite.min() >= 0:
                return "num"
        return "cat"
    return _kind_of(ref.dtype)


def _is_numeric(series: pl.Series) -> bool:
    return series.dtype.is_numeric()


def _common(ref: pl.Series, cur: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Both samples in a common type: as they are, numbers as floats, or mixed types as text."""
    if ref.dtype == cur.dtype:
        return ref, cur
    if ref.dtype.is_numeric() and cur.dtype.is_numeric():
        return ref.cast(pl.Float64), cur.cast(pl.Float64)
    return ref.cast(pl.String), cur.cast(pl.String)


def _union(ref: pl.Series, cur: pl.Series) -> pl.Series:
    return pl.concat(_common(ref, cur))


def _evidently_order(typed: dict[str, str | None]) -> list[str]:
    """Target, prediction, numerical features by name, categorical features by name (Evidently's order)."""
    special = [n for n in ("target", "prediction") if n in typed]
    nums = sorted(n for n, k in typed.items() if k == "num" and n not in special)
    cats = sorted(n for n, k in typed.items() if k != "num" and n not in special)
    return special + nums + cats


def _clean(series: pl.Series) -> pl.Series:
    """Values without nulls, NaN and ±inf."""
    series = series.drop_nulls()
    if series.dtype.is_float() and not series.is_finite().all():  # no copy when all are finite
        series = series.filter(series.is_finite())
    return series


# ---------------------------------------------------------------- tests


def default_stattest(kind: str, ref_size: int, n_unique: int) -> str:
    """Evidently's ``_get_default_stattest`` for numerical/categorical columns."""
    if ref_size <= SMALL_REFERENCE:
        if kind == "num" and n_unique > FEW_UNIQUE:
            return "ks"
        return "chisquare" if n_unique > 2 else "z"
    if kind == "num" and n_unique > FEW_UNIQUE:
        return "wasserstein"
    return "jensenshannon"


def _test_column(
    name: str,
    kind: str,
    ref: pl.Series,
    cur: pl.Series,
    stattest: str | None,
    threshold: float | None,
    method_thresholds: Mapping[str, float],
) -> dict[str, Any]:
    if stattest is None:
        method = default_stattest(kind, ref.len(), unique_up_to(ref, cur, FEW_UNIQUE))
    else:
        method = stattest
        if kind not in STATTESTS[method][1]:
            raise InputError(
                f"Evidently's {method!r} test does not apply to the "
                f"{'numerical' if kind == 'num' else 'categorical'} column {name!r}",
                hint="pick a test that fits every column, or leave --stattest out",
            )
    default_threshold, _, is_p_value = STATTESTS[method]
    limit = default_threshold if threshold is None else threshold
    limit = method_thresholds.get(method, limit)
    score = _SCORES[method](ref, cur, kind)
    if method == "ks":
        drift = score <= limit
    elif is_p_value:
        drift = score < limit
    else:
        drift = score >= limit
    return {
        "name": name,
        "method": method,
        "score": score,
        "threshold": limit,
        "drift_detected": bool(drift),
        "column_type": kind,
    }


def unique_up_to(ref: pl.Series, cur: pl.Series | None, limit: int) -> int:
    """The number of distinct values of ref (and cur), exact up to ``limit``, else ``limit + 1``.

    Evidently only ever compares the count with small limits (2, 5, 20); a
    look at the first rows settles most columns without hashing millions.
    """
    if ref.head(4096).n_unique() > limit:
        return limit + 1
    both = ref if cur is None else _union(ref, cur)
    return min(both.n_unique(), limit + 1)


def _ks(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(ref.cast(pl.Float64).to_numpy(), cur.cast(pl.Float64).to_numpy()).pvalue)


def _wasserstein(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    """scipy's ``wasserstein_distance`` / std, from one merge of the sorted samples (drift.py's)."""
    r, _, _ = finite_sorted(ref, "reference")  # per-thread buffers reused from column to column
    c, _, _ = finite_sorted(cur, "current")
    _, distance = ks_and_wasserstein(r, c, reuse=True)
    return float(distance / max(float(np.std(r)), 0.001))


def _counts(ref: pl.Series, cur: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts per distinct value over the union of both samples, in sorted key order for both.

    Sorted, because the order of polars' ``value_counts`` (and of a Python
    set of strings) changes from process to process, and with it the last
    digits of the sums over the bins (Jensen–Shannon, PSI, χ²).
    """
    ref_counts = dict(ref.value_counts(name="__n__").iter_rows())
    cur_counts = dict(cur.value_counts(name="__n__").iter_rows())
    keys = sorted(set(ref_counts) | set(cur_counts), key=_sort_key)
    return (
        np.array([ref_counts.get(k, 0) for k in keys], dtype=np.float64),
        np.array([cur_counts.get(k, 0) for k in keys], dtype=np.float64),
    )


def _sort_key(value: Any) -> tuple[str, Any]:
    """A total order over one column's values (the two sides may differ in type: ints and floats)."""
    return ("", float(value)) if isinstance(value, int | float) else (type(value).__name__, value)


def _chisquare(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    """Goodness of fit of the current counts to the reference proportions scaled to the current size."""
    from scipy.stats import chisquare

    ref_counts, cur_counts = _counts(ref, cur)
    expected = ref_counts * (cur.len() / ref.len())
    with np.errstate(divide="ignore", invalid="ignore"):  # a value unseen in the reference: p = 0
        return float(chisquare(cur_counts, expected).pvalue)


def _z(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    """Two-proportion Z-test on "is the first value (sorted)" vs the rest, as Evidently codes it."""
    from scipy.stats import norm

    ref, cur = _common(ref, cur)
    ref_unique, cur_unique = ref.unique(), cur.unique()
    if ref_unique.len() == 1 and cur_unique.len() == 1 and ref_unique[0] == cur_unique[0]:
        return 1.0
    first = _union(ref_unique, cur_unique).sort()[0]
    n1, n2 = ref.len(), cur.len()
    p1 = float(int((ref != first).sum())) / n1
    p2 = float(int((cur != first).sum())) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - norm.cdf(np.abs(z))))


def binned(ref: pl.Series, cur: pl.Series, kind: str, *, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's get_binned_data: Sturges equal-width bins or per-value shares, zeros optionally filled."""
    if kind == "num" and unique_up_to(ref, None, BINNING_UNIQUE) > BINNING_UNIQUE:
        r = ref.cast(pl.Float64).to_numpy()
        c = cur.cast(pl.Float64).to_numpy()
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        ref_p = np.histogram(r, edges)[0] / len(r)
        cur_p = np.histogram(c, edges)[0] / len(c)
    else:
        ref_counts, cur_counts = _counts(ref, cur)
        ref_p = ref_counts / ref.len()
        cur_p = cur_counts / cur.len()
    if fill_zeroes:
        ref_p = _fill_zeroes(ref_p)
        cur_p = _fill_zeroes(cur_p)
    return ref_p, cur_p


def _fill_zeroes(p: np.ndarray) -> np.ndarray:
    smallest = float(p[p != 0].min())
    out = p.copy()
    out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def _jensenshannon(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    ref_p, cur_p = binned(ref, cur, kind, fill_zeroes=False)
    return float(jensenshannon(ref_p, cur_p))


def jensenshannon(p: np.ndarray, q: np.ndarray) -> float:
    """``scipy.spatial.distance.jensenshannon(p, q)`` for 1-D shares: scipy's steps on ``scipy.special``.

    Importing ``scipy.spatial`` for this one function costs more CPU than
    Evidently mode's whole categorical work at 1M rows (bench/drift.md); the
    same operations in the same order give the same float (tests compare ``==``).
    """
    from scipy.special import rel_entr

    p = np.asarray(p)
    q = np.asarray(q)
    p = p / np.sum(p, axis=0, keepdims=True)
    q = q / np.sum(q, axis=0, keepdims=True)
    m = (p + q) / 2.0
    js = np.sum(rel_entr(p, m), axis=0) + np.sum(rel_entr(q, m), axis=0)
    return float(np.sqrt(js / 2.0))


def _psi(ref: pl.Series, cur: pl.Series, kind: str) -> float:
    ref_p, cur_p = binned(ref, cur, kind, fill_zeroes=True)
    return float(np.sum((ref_p - cur_p) * np.log(ref_p / cur_p)))


_SCORES = {
    "ks": _ks,
    "chisquare": _chisquare,
    "z": _z,
    "wasserstein": _wasserstein,
    "jensenshannon": _jensenshannon,
    "psi": _psi,
}
