"""Drift of current data against a reference *profile* (``axtui drift PROFILE CURRENT``).

PSI, Jensen–Shannon and χ² come from the profile's exact bin and category
counts, so they equal the numbers from the raw reference (when the profile's
edges are the reference's own quantiles, ``edges_source`` "data"). KS and
Wasserstein need the reference CDF, which the profile holds as a KLL sketch:
its retained items and weights form a step CDF within ε (the sketch's
normalized rank error, 99 % confidence) of the true one everywhere, so

* |KS − KS_exact| ≤ ε;
* |W − W_exact| ≤ ε·(reference max − reference min), reported divided by the
  reference std like the Wasserstein itself.

Both bounds are reported per column and the document says
``approximate: true``. While the reference has no more values than the
sketch keeps (``k``), the sketch is exact and so are KS and Wasserstein.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.drift import (
    FEW_VALUES,
    STD_FLOOR,
    Pair,
    ProgressCallback,
    _bin_labels,
    _collect,
    _empty_side,
    _kind,
    _Plan,
    assemble,
    bin_counts,
    categorical_statistics,
    category_counts,
    empty_row,
    finish_row,
    finite_sorted,
    js_distance,
    ks_pvalue,
    open_side,
    psi_from_proportions,
    run_groups,
)
from axtui.stats.profile import Profile, decode_sketch

_DTYPES = {
    "float": pl.Float64(),
    "integer": pl.Int64(),
    "boolean": pl.Boolean(),
    "text": pl.String(),
    "null": pl.Null(),
    "other": pl.Object(),
}


@dataclass
class _ProfileSide:
    """The reference side as messages name it (a profile has no rows to read)."""

    label: str
    schema: dict[str, Any]

    def where(self, column: str | None = None) -> str:
        return f"{self.label}: column {column}" if column else self.label


def drift_against_profile(
    profile: Profile,
    current: Any,
    *,
    wanted: Sequence[str],
    named: Sequence[str],
    forced_cat: Sequence[str],
    forced_num: Sequence[str],
    workers: int | None,
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    """The section 8.1 document for ``current`` against ``profile``, with ``approximate`` and bounds."""
    cur = open_side(current, "current")
    ref = _ProfileSide(profile.label, {n: _DTYPES[c["dtype"]] for n, c in profile.columns.items()})
    for name in named:
        if name not in profile.columns:
            raise InputError(
                f"the profile has no column {name!r}",
                where=profile.label,
                hint=f"the profile holds: {', '.join(list(profile.columns)[:20])}; profile the reference "
                "with this column",
            )
        if name not in cur.schema:
            raise InputError(f"column {name!r} does not exist", where=cur.label)
    common = [c for c in profile.columns if c in cur.schema]
    if not common:
        raise InputError(
            "the profile describes other columns than the current data",
            where=f"{profile.label}, {cur.label}",
            hint=f"profile columns: {', '.join(list(profile.columns)[:10])}; current columns: "
            f"{', '.join(list(cur.schema)[:10])}",
        )
    pair = Pair(
        reference=ref,  # type: ignore[arg-type]
        current=cur,
        selected=list(wanted) or common,
        common=common,
        only_reference=[c for c in profile.columns if c not in cur.schema],
        only_current=[c for c in cur.schema if c not in profile.columns],
    )
    plans = [
        _Plan(n, "categorical" if n in forced_cat else "numeric" if n in forced_num else None, n in named)
        for n in pair.selected
    ]
    results = run_groups(
        plans,
        lambda group: _collect(cur, group),
        lambda plan, frame: _column(plan, profile, ref, cur, frame.get_column(plan.name)),
        rows=cur.rows,
        total_rows=cur.rows,
        workers=workers,
        progress=progress,
    )
    result = assemble(results, profile.rows, cur.rows, pair)
    result["approximate"] = any(c.get("approximate") for c in result["columns"])
    result["reference_profile"] = {
        "label": profile.label,
        "parts": profile.parts,
        "sketch_k": profile.sketch_k,
    }
    return result


def _column(plan: _Plan, profile: Profile, ref: _ProfileSide, cur: Any, series: pl.Series) -> dict[str, Any]:
    name = plan.name
    col = profile.columns[name]
    values = col.get("values")

    def few_values() -> bool:
        if values is None:
            return False
        cur_values = series.drop_nulls().unique()
        if cur_values.len() > FEW_VALUES:
            return False
        return len(set(values) | set(cur_values.cast(pl.String).to_list())) <= FEW_VALUES

    kind = _kind(plan, ref, cur, ref.schema[name], series.dtype, few_values)
    if kind.startswith("skip:"):
        return {"name": name, "skip": kind[5:]}
    row = empty_row(name, kind)
    if kind == "numeric":
        if col["kind"] != "numeric":
            raise InputError(
                f"column {name!r} is categorical in the profile",
                where=ref.where(name),
                hint="profile the reference again without --categorical for it",
            )
        cur_vals, cur_missing, cur_inf = finite_sorted(series)
        empty = _empty_side(
            plan, ref, cur, col["count"], cur_vals.size, "finite value (all null, NaN or ±inf)"
        )
        if empty:
            return {"name": name, "skip": empty}
        stats = numeric_against_profile(col, cur_vals, where=ref.where(name))
        row.update(inf_reference=col["inf"], inf_current=cur_inf)
    else:
        ref_counts = col["counts"] if col["kind"] == "categorical" else col.get("values")
        if ref_counts is None:
            raise InputError(
                f"the profile holds no category counts for column {name!r}",
                where=ref.where(name),
                hint=f"profile the reference with --categorical {name}",
            )
        cur_counts, cur_missing = category_counts(series)
        empty = _empty_side(plan, ref, cur, len(ref_counts), len(cur_counts), "non-null value")
        if empty:
            return {"name": name, "skip": empty}
        stats = categorical_statistics(ref_counts, cur_counts)
    row["null_rate_reference"] = col["nulls"] / col["rows"] if col["rows"] else 0.0
    row["null_rate_current"] = cur_missing / series.len()
    return finish_row(row, stats)


def numeric_against_profile(col: dict[str, Any], sorted_cur: np.ndarray, *, where: str) -> dict[str, Any]:
    """Every section 8.1 number for one numeric column: bins exact, KS and Wasserstein from the sketch."""
    if col.get("bin_counts") is None:
        raise InputError(
            "the profile has no bin counts for this column (merged from partitions binned differently)",
            where=where,
            hint="profile each partition again with --edges-from the merged profile, then merge those",
        )
    n1, n2 = int(col["count"]), int(sorted_cur.size)
    edges = np.asarray(col["edges"], dtype=np.float64)
    ref_prop = np.asarray(col["bin_counts"], dtype=np.int64) / n1
    cur_prop = bin_counts(sorted_cur, edges) / n2
    sketch = decode_sketch(col["kll"])
    items, cumulative = sketch_cdf(sketch)
    ks, wasserstein = ks_and_wasserstein_against_cdf(items, cumulative, n1, sorted_cur)
    std = max(float(np.sqrt(col["m2"] / n1)), STD_FLOOR)
    epsilon = float(sketch.normalized_rank_error(False)) if sketch.is_estimation_mode() else 0.0
    bound = {
        "ks_statistic": epsilon,
        "wasserstein": epsilon * (float(col["max"]) - float(col["min"])) / std,
        "confidence": 0.99,
    }
    return {
        "psi": psi_from_proportions(ref_prop, cur_prop),
        "ks_statistic": ks,
        "ks_pvalue": ks_pvalue(ks, n1, n2),
        "wasserstein": wasserstein / std,
        "js_distance": js_distance(ref_prop, cur_prop),
        "reference_mean": float(col["mean"]),
        "current_mean": float(np.mean(sorted_cur)),
        "approximate": epsilon > 0,
        "error_bound": bound,
        "_histogram": {
            "labels": _bin_labels(edges),
            "reference": ref_prop.tolist(),
            "current": cur_prop.tolist(),
        },
    }


def sketch_cdf(sketch: Any) -> tuple[np.ndarray, np.ndarray]:
    """The sketch's retained items, sorted, and the cumulative weight at each (ties merged)."""
    pairs = np.array(list(sketch), dtype=np.float64).reshape(-1, 2)
    order = np.argsort(pairs[:, 0], kind="stable")
    items, weights = pairs[order, 0], pairs[order, 1]
    cumulative = np.cumsum(weights)
    last = np.append(items[1:] != items[:-1], True)  # the cumulative weight of a tied run is at its end
    return items[last], cumulative[last]


def ks_and_wasserstein_against_cdf(
    items: np.ndarray, cumulative: np.ndarray, n1: int, sorted_cur: np.ndarray
) -> tuple[float, float]:
    """KS statistic and W1 between the step CDF (items, cumulative/n1) and the current sample's ECDF.

    Both CDFs are right-continuous steps, so the KS supremum is reached at a
    jump of either, and W1 = Σ |F − G|·Δx over the merged jump points.
    """
    n2 = sorted_cur.size
    points = np.concatenate((items, sorted_cur))
    points.sort(kind="stable")
    at = np.searchsorted(items, points, side="right")
    f_ref = np.where(at > 0, cumulative[np.maximum(at - 1, 0)], 0.0) / n1
    f_cur = np.searchsorted(sorted_cur, points, side="right") / n2
    gap = f_ref - f_cur
    ks = float(max(np.max(gap), -np.min(gap), 0.0))
    np.abs(gap, out=gap)
    distance = float(np.dot(gap[:-1], np.diff(points)))
    return ks, distance
