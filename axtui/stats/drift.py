"""Data drift between a reference and a current table (docs/reference/statistics.md#drift).

Each numeric column is sorted once per side; the KS statistic, the
Wasserstein distance, the PSI/JS bin counts and the means are all derived
from those two sorted arrays, so a column costs two sorts and one linear
merge instead of the several passes a plain scipy loop makes. Columns are
spread over a thread pool: numpy's sorts and polars release the GIL, so the
work uses every core.

Definitions follow the contract to the letter; where the contract leaves a
choice open, the rule is documented in ``docs/drift.md``:

* nulls and NaN are missing values (they make up ``null_rate_*``); ±inf are
  dropped too and counted separately (``inf_reference``/``inf_current``),
  because no bin, quantile or distance is defined for them;
* an integer column with at most ``FEW_VALUES`` distinct values (reference
  and current together) is categorical; booleans, strings and polars
  categoricals are categorical; floats and other integers are numeric;
* a column without any usable value on one side is skipped with a reason,
  unless the caller named it, in which case it is an error.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.io import read_table, require_columns, scan_table

PSI_QUANTILES = np.arange(1, 10) / 10  # 0.1, 0.2, ..., 0.9 (exact decimals, not linspace)
PSI_FLOOR = 1e-4
STD_FLOOR = 0.001
PSI_MODERATE = 0.1
PSI_SIGNIFICANT = 0.25
P_VALUE_ALPHA = 0.05
DISTANCE_THRESHOLD = 0.1
FEW_VALUES = 10
KS_EXACT_MAX_N = 10_000  # scipy's ks_2samp(method="auto") is exact up to this sample size
SMIRNOV_MAX_N = 1_000_000  # above this scipy's smirnov() switches to an approximation
TOP_DRIFTED = 5
PLOT_CATEGORIES = 10

Source = str | Path | pl.DataFrame

_TEXT_DTYPES = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)


@dataclass
class _Side:
    """One input table and how to name it in messages."""

    label: str
    frame: pl.DataFrame
    schema: dict[str, pl.DataType] = field(default_factory=dict)

    def where(self, column: str | None = None) -> str:
        return f"{self.label}: column {column}" if column else self.label


@dataclass
class _Plan:
    """What to compute for one column, decided before any heavy work."""

    name: str
    forced: str | None  # "numeric", "categorical" or None (infer)
    named: bool


def compute_drift(
    reference: Source,
    current: Source,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    numeric: Sequence[str] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Per-column drift of ``current`` against ``reference`` as the section 8.1 JSON document.

    ``columns`` limits the analysis (each must exist in both tables);
    ``categorical``/``numeric`` force a column's kind. Extra keys beyond the
    contract: ``common_columns``, ``only_in_reference``, ``only_in_current``,
    ``skipped`` (name + reason), ``histograms`` (per column bin labels and
    proportions, for plots) and per column ``reference_mean``,
    ``current_mean``, ``inf_reference``, ``inf_current``.
    """
    forced_cat = _names(categorical)
    forced_num = _names(numeric)
    both = sorted(set(forced_cat) & set(forced_num))
    if both:
        raise InputError(
            f"column {both[0]!r} is forced both categorical and numeric",
            hint="name a column in only one of --categorical / --numeric",
        )
    wanted = _names(columns)

    named = list(dict.fromkeys([*wanted, *forced_cat, *forced_num]))
    pair = read_pair(reference, current, wanted=wanted, named=named)
    ref, cur = pair.reference, pair.current

    plans = [
        _Plan(
            name,
            "categorical" if name in forced_cat else "numeric" if name in forced_num else None,
            name in named,
        )
        for name in pair.selected
    ]
    n_workers = workers or min(len(plans), os.cpu_count() or 1) or 1
    if n_workers > 1 and len(plans) > 1:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(lambda plan: _column(plan, ref, cur), plans))
    else:
        results = [_column(plan, ref, cur) for plan in plans]

    analysed = [r for r in results if "skip" not in r]
    skipped = [{"name": r["name"], "reason": r["skip"]} for r in results if "skip" in r]
    histograms = {r["name"]: r.pop("_histogram") for r in analysed}
    return {
        "reference_rows": ref.frame.height,
        "current_rows": cur.frame.height,
        "columns": analysed,
        "alert_level": alert_level(analysed),
        "top_drifted": top_drifted(analysed),
        "common_columns": pair.common,
        "only_in_reference": pair.only_reference,
        "only_in_current": pair.only_current,
        "skipped": skipped,
        "histograms": histograms,
    }


def compute_prediction_drift(
    reference: Source, current: Source, column: str, *, categorical: bool | None = None
) -> dict[str, Any]:
    """Drift of one prediction or score column: the same computation, limited to that column.

    ``categorical`` forces the kind (labels vs scores); by default it is
    inferred like any other column.
    """
    result = compute_drift(
        reference,
        current,
        columns=[column],
        categorical=[column] if categorical is True else None,
        numeric=[column] if categorical is False else None,
    )
    result["prediction_column"] = column
    result["prediction"] = result["columns"][0]
    return result


def severity(psi: float) -> str:
    if psi >= PSI_SIGNIFICANT:
        return "significant"
    if psi >= PSI_MODERATE:
        return "moderate"
    return "none"


def alert_level(columns: Iterable[dict[str, Any]]) -> str:
    levels = {c["severity"] for c in columns}
    if "significant" in levels:
        return "RED"
    if "moderate" in levels:
        return "YELLOW"
    return "GREEN"


def top_drifted(columns: Sequence[dict[str, Any]]) -> list[str]:
    ranked = sorted(columns, key=lambda c: (-c["psi"], c["name"]))
    return [c["name"] for c in ranked[:TOP_DRIFTED]]


# ---------------------------------------------------------------- statistics on arrays


def psi_from_proportions(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI = Σ (c − r)·ln(c/r) with both proportions clipped below at 1e-4."""
    r = np.maximum(reference, PSI_FLOOR)
    c = np.maximum(current, PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def js_distance(reference: np.ndarray, current: np.ndarray) -> float:
    """Jensen–Shannon distance (natural log) of two count or proportion vectors, as scipy computes it."""
    p = reference / reference.sum()
    q = current / current.sum()
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(p > 0, p * np.log(p / m), 0.0)
        right = np.where(q > 0, q * np.log(q / m), 0.0)
    js = (left.sum() + right.sum()) / 2.0
    return float(math.sqrt(max(js, 0.0)))


def psi_edges(sorted_reference: np.ndarray) -> np.ndarray:
    """Bin edges: reference quantiles 0.1..0.9 (numpy "linear"), duplicates removed."""
    return np.unique(sorted_quantiles(sorted_reference, PSI_QUANTILES))


def sorted_quantiles(sorted_values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """``np.quantile(values, levels, method="linear")`` for already sorted, finite values.

    The same arithmetic as numpy's implementation (virtual index (n−1)·q, its
    floor and ceiling, numpy's two-sided lerp), without the partition numpy
    does first; tests/test_drift.py checks it is bit-identical.
    """
    n = sorted_values.size
    virtual = (n - 1) * levels
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    gamma = virtual - previous
    low = sorted_values[previous.astype(np.intp)]
    high = sorted_values[following.astype(np.intp)]
    diff = high - low
    result = low + diff * gamma
    np.subtract(high, diff * (1 - gamma), out=result, where=gamma >= 0.5)
    return result


def bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin where a value x goes to bin searchsorted(edges, x, side="right").

    On sorted data the bin boundaries are found with len(edges) binary
    searches instead of one per value.
    """
    below = np.searchsorted(sorted_values, edges, side="left")
    return np.diff(np.concatenate(([0], below, [sorted_values.size])))


def ks_and_wasserstein(sorted_ref: np.ndarray, sorted_cur: np.ndarray) -> tuple[float, float]:
    """KS statistic and first Wasserstein distance from two sorted samples, in one merge.

    The merge gives, at every position of the combined sample, how many
    reference and current values are at or below it. The CDF gap is kept as
    an exact integer, ``ref_count·n2 − cur_count·n1`` (= n1·n2·(F_ref − F_cur)),
    so the KS statistic is found without rounding and reported as the same
    float ``ks_2samp`` computes (count/n1 − count/n2 at that point). Inside a
    run of tied values only the run's last position is a real CDF value, so
    with ties the KS maximum is taken over run ends; the Wasserstein integral
    Σ |F_ref − F_cur|·Δx needs no such care because Δx is 0 inside a run.
    """
    n1, n2 = sorted_ref.size, sorted_cur.size
    merged = np.concatenate((sorted_ref, sorted_cur))
    order = np.argsort(merged, kind="stable")  # two sorted runs: a linear merge
    steps = np.diff(merged[order])
    del merged
    # each reference value raises the gap by n2, each current value lowers it by n1; float64 is
    # exact for these integers (|gap| ≤ n1·n2 < 2**53)
    gap = np.where(order < n1, float(n2), float(-n1))
    del order
    np.cumsum(gap, out=gap)
    tied = steps == 0
    if tied.any():
        positions = np.flatnonzero(np.append(~tied, True))
        at_ends = gap[positions]
    else:
        positions, at_ends = None, gap
    top, bottom = int(np.argmax(at_ends)), int(np.argmin(at_ends))
    max_s = _cdf_gap(at_ends, positions, top, n1, n2)
    min_s = float(np.clip(-_cdf_gap(at_ends, positions, bottom, n1, n2), 0, 1))
    del at_ends
    np.abs(gap, out=gap)
    distance = float(np.dot(gap[:-1], steps)) / (float(n1) * float(n2))
    return max(max_s, min_s), distance


def _cdf_gap(gap: np.ndarray, positions: np.ndarray | None, i: int, n1: int, n2: int) -> float:
    """F_ref − F_cur at (run end) i, computed from the counts as ks_2samp does: count/n1 − count/n2."""
    seen = float(positions[i] + 1) if positions is not None else float(i + 1)
    ref = (float(gap[i]) + seen * n1) / (n1 + n2)  # gap = ref·n2 − (seen − ref)·n1, solved for ref
    ref = float(round(ref))
    return float(np.float64(ref) / n1 - np.float64(seen - ref) / n2)


def ks_pvalue(statistic: float, n1: int, n2: int) -> float:
    """Two-sided p-value as ``ks_2samp(method="auto")`` computes it for samples above 10,000.

    scipy evaluates ``kstwo.sf(d, round(n1·n2/(n1+n2)))``. When that lands on
    its exact one-sided Smirnov sum (``2·smirnov(n, d)`` for 2.2 ≤ n·d² < 370,
    n ≤ 1e6), scipy walks up to n terms in double-double arithmetic, about a
    second per column at n = 5e5. The same sum is computed here from
    vectorised binomial probabilities, A_v = Binom(v; n, d + v/n) / (d + v/n),
    which agrees with scipy to about 1e-12 relative (tests/test_drift.py
    checks 1e-9). Every other case is handed to scipy unchanged.
    """
    from scipy.stats import distributions

    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = float(np.round(m * n / (m + n)))
    x = float(statistic)
    t = en * x
    if 140 < en <= SMIRNOV_MAX_N and 0.0 < x < 0.5 and 1.0 < t < en - 1:
        nx_squared = t * x
        if nx_squared >= 370.0:
            return 0.0
        if nx_squared >= 2.2:
            return float(np.clip(2.0 * smirnov_sf(int(en), x), 0.0, 1.0))
    return float(np.clip(distributions.kstwo.sf(x, en), 0, 1))


def smirnov_sf(n: int, x: float) -> float:
    """P(D⁺ₙ ≥ x), the Birnbaum–Tingey sum x·Σ C(n,v)(x+v/n)^(v-1)(1-x-v/n)^(n-v), vectorised.

    Terms more than 1e30 times smaller than the largest are skipped (found on
    a coarse grid first; the terms are unimodal in v).
    """
    from scipy.special import smirnov
    from scipy.stats import binom

    last = math.floor(n * (1 - x))
    while last >= 0 and x + last / n >= 1:
        last -= 1
    if last < 0:
        return float(smirnov(n, x))
    step = max(1, last // 2000)
    grid = np.arange(0, last + 1, step, dtype=np.float64)
    if grid[-1] != last:
        grid = np.append(grid, float(last))
    p = x + grid / n
    terms = binom.pmf(grid, n, p) / p
    top = float(terms.max())
    if not top > 1e-280:  # the terms underflow doubles: let scipy's scaled arithmetic do it
        return float(smirnov(n, x))
    inside = np.flatnonzero(terms > top * 1e-30)
    lo = grid[max(int(inside[0]) - 1, 0)]
    hi = grid[min(int(inside[-1]) + 1, grid.size - 1)]
    v = np.arange(lo, hi + 1, dtype=np.float64)
    p = x + v / n
    return float(x * np.sum(binom.pmf(v, n, p) / p))


def numeric_statistics(sorted_ref: np.ndarray, sorted_cur: np.ndarray) -> dict[str, Any]:
    """Every section 8.1 number for one numeric column, from its two sorted, finite samples."""
    n1, n2 = sorted_ref.size, sorted_cur.size
    if max(n1, n2) <= KS_EXACT_MAX_N:
        from scipy.stats import ks_2samp

        result = ks_2samp(sorted_ref, sorted_cur)  # exact method: reuse scipy as is
        ks_stat, ks_p = float(result.statistic), float(result.pvalue)
        _, wasserstein = ks_and_wasserstein(sorted_ref, sorted_cur)
    else:
        ks_stat, wasserstein = ks_and_wasserstein(sorted_ref, sorted_cur)
        ks_p = ks_pvalue(ks_stat, n1, n2)
    std = float(np.std(sorted_ref))
    edges = psi_edges(sorted_ref)
    ref_counts = bin_counts(sorted_ref, edges)
    cur_counts = bin_counts(sorted_cur, edges)
    ref_prop = ref_counts / n1
    cur_prop = cur_counts / n2
    return {
        "psi": psi_from_proportions(ref_prop, cur_prop),
        "ks_statistic": ks_stat,
        "ks_pvalue": ks_p,
        "wasserstein": wasserstein / max(std, STD_FLOOR),
        "js_distance": js_distance(ref_prop, cur_prop),
        "reference_mean": float(np.mean(sorted_ref)),
        "current_mean": float(np.mean(sorted_cur)),
        "_histogram": {
            "labels": _bin_labels(edges),
            "reference": ref_prop.tolist(),
            "current": cur_prop.tolist(),
        },
    }


def categorical_statistics(ref_counts: dict[str, int], cur_counts: dict[str, int]) -> dict[str, Any]:
    """PSI, JS and the 2×K χ² test over the union of categories; unseen categories listed."""
    from scipy.stats import chi2_contingency

    categories = sorted(set(ref_counts) | set(cur_counts), key=lambda k: (-ref_counts.get(k, 0), k))
    ref = np.array([ref_counts.get(k, 0) for k in categories], dtype=np.int64)
    cur = np.array([cur_counts.get(k, 0) for k in categories], dtype=np.int64)
    ref_prop = ref / ref.sum()
    cur_prop = cur / cur.sum()
    chi2 = chi2_contingency(np.vstack([ref, cur]))
    return {
        "psi": psi_from_proportions(ref_prop, cur_prop),
        "js_distance": js_distance(ref_prop, cur_prop),
        "chi2_statistic": float(chi2.statistic),
        "chi2_pvalue": float(chi2.pvalue),
        "new_categories": sorted(k for k in cur_counts if k not in ref_counts),
        "_histogram": _category_histogram(categories, ref_prop, cur_prop),
    }


def votes(stats: dict[str, Any]) -> int:
    """How many of the column's methods flag drift (PSI, KS or χ² p-value, Wasserstein, JS)."""
    flags = [stats["psi"] >= PSI_MODERATE, stats["js_distance"] >= DISTANCE_THRESHOLD]
    if stats.get("ks_pvalue") is not None:
        flags.append(stats["ks_pvalue"] < P_VALUE_ALPHA)
    if stats.get("wasserstein") is not None:
        flags.append(stats["wasserstein"] >= DISTANCE_THRESHOLD)
    if stats.get("chi2_pvalue") is not None:
        flags.append(stats["chi2_pvalue"] < P_VALUE_ALPHA)
    return int(sum(flags))


# ---------------------------------------------------------------- per column


def _column(plan: _Plan, ref: _Side, cur: _Side) -> dict[str, Any]:
    name = plan.name
    ref_s, cur_s = ref.frame.get_column(name), cur.frame.get_column(name)
    kind_or_skip = _kind(plan, ref, cur, ref_s, cur_s)
    if kind_or_skip.startswith("skip:"):
        return {"name": name, "skip": kind_or_skip[5:]}
    kind = kind_or_skip
    row: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "null_rate_reference": None,
        "null_rate_current": None,
        "psi": None,
        "ks_statistic": None,
        "ks_pvalue": None,
        "wasserstein": None,
        "js_distance": None,
        "chi2_statistic": None,
        "chi2_pvalue": None,
        "new_categories": None,
        "votes": 0,
        "drifted": False,
        "severity": "none",
    }
    if kind == "numeric":
        ref_vals, ref_missing, ref_inf = _finite_sorted(ref_s)
        cur_vals, cur_missing, cur_inf = _finite_sorted(cur_s)
        empty = _empty_side(
            plan, ref, cur, ref_vals.size, cur_vals.size, "finite value (all null, NaN or ±inf)"
        )
        if empty:
            return {"name": name, "skip": empty}
        stats = numeric_statistics(ref_vals, cur_vals)
        row.update(inf_reference=ref_inf, inf_current=cur_inf)
    else:
        ref_counts, ref_missing = _category_counts(ref_s)
        cur_counts, cur_missing = _category_counts(cur_s)
        empty = _empty_side(plan, ref, cur, len(ref_counts), len(cur_counts), "non-null value")
        if empty:
            return {"name": name, "skip": empty}
        stats = categorical_statistics(ref_counts, cur_counts)
    row["null_rate_reference"] = ref_missing / ref_s.len()
    row["null_rate_current"] = cur_missing / cur_s.len()
    row.update(stats)
    row["votes"] = votes(stats)
    row["drifted"] = row["votes"] >= 2
    row["severity"] = severity(stats["psi"])
    return row


def _kind(plan: _Plan, ref: _Side, cur: _Side, ref_s: pl.Series, cur_s: pl.Series) -> str:
    """The column's kind, or "skip:<reason>" for columns no test applies to."""
    name = plan.name
    dtypes = ((ref, ref_s.dtype), (cur, cur_s.dtype))
    for side, dtype in dtypes:
        if dtype == pl.Null:
            return _skip_or_raise(plan, side, "all values are null")
        if not (dtype.is_numeric() or isinstance(dtype, _TEXT_DTYPES)):
            if plan.forced == "categorical":
                continue
            return _skip_or_raise(
                plan, side, f"unsupported type {dtype} (only numeric and text columns are compared)"
            )
    textual = [side for side, dtype in dtypes if not dtype.is_numeric()]
    if plan.forced == "numeric":
        for side, dtype in dtypes:
            if not dtype.is_numeric() and dtype != pl.Boolean:
                raise InputError(
                    f"column {name!r} is {dtype}, not numeric",
                    where=side.where(name),
                    hint="drop it from --numeric, or pass it with --categorical",
                )
        return "numeric"
    if plan.forced == "categorical":
        return "categorical"
    if textual:
        if len(textual) == 1:  # numeric on one side, text on the other
            side = textual[0]
            raise InputError(
                f"column {name!r} is numeric in one file and {side.schema[name]} in this one",
                where=side.where(name),
                hint=f"fix the stray text values, or force the kind with --categorical {name}",
            )
        return "categorical"
    if ref_s.dtype.is_integer() and cur_s.dtype.is_integer() and _few_values(ref_s, cur_s):
        return "categorical"
    return "numeric"


def _few_values(ref_s: pl.Series, cur_s: pl.Series) -> bool:
    """At most FEW_VALUES distinct non-null values in both columns together (any integer widths)."""
    ref_values = ref_s.drop_nulls().unique()
    if ref_values.len() > FEW_VALUES:
        return False
    cur_values = cur_s.drop_nulls().unique()
    if cur_values.len() > FEW_VALUES:
        return False
    return len(set(ref_values.to_list()) | set(cur_values.to_list())) <= FEW_VALUES


def _skip_or_raise(plan: _Plan, side: _Side, reason: str) -> str:
    if plan.named:
        raise InputError(
            f"column {plan.name!r}: {reason}",
            where=side.where(plan.name),
            hint="pick columns with data, or leave this one out",
        )
    return f"skip:{reason} in {side.label}"


def _empty_side(plan: _Plan, ref: _Side, cur: _Side, n_ref: int, n_cur: int, what: str) -> str | None:
    """None when both sides have values; otherwise the skip reason (or an error if the column was named)."""
    for side, n in ((ref, n_ref), (cur, n_cur)):
        if n == 0:
            return _skip_or_raise(plan, side, f"no {what}").removeprefix("skip:")
    return None


def _finite_sorted(series: pl.Series) -> tuple[np.ndarray, int, int]:
    """The finite values sorted, the count of missing values (null or NaN) and of ±inf."""
    values = series.cast(pl.Float64).to_numpy()
    finite = np.isfinite(values)
    if finite.all():
        return np.sort(values), 0, 0
    missing = int(np.isnan(values).sum())
    infinite = int(values.size - finite.sum() - missing)
    return np.sort(values[finite]), missing, infinite


def _category_counts(series: pl.Series) -> tuple[dict[str, int], int]:
    """Counts per category (values as text) and the number of nulls (and NaN for float columns)."""
    if series.dtype.is_float():
        missing = series.null_count() + int(series.is_nan().sum())
        series = series.drop_nulls().drop_nans()
    else:
        missing = series.null_count()
        series = series.drop_nulls()
    text = series.cast(pl.String)
    counts = text.value_counts(name="__count__")
    return dict(
        zip(counts.get_column(text.name).to_list(), counts.get_column("__count__").to_list(), strict=True)
    ), missing


# ---------------------------------------------------------------- inputs


@dataclass
class Pair:
    """Reference and current data restricted to the columns to compare."""

    reference: _Side
    current: _Side
    selected: list[str]
    common: list[str]
    only_reference: list[str]
    only_current: list[str]


def read_pair(
    reference: Source, current: Source, *, wanted: Sequence[str] = (), named: Sequence[str] = ()
) -> Pair:
    """Read both tables, only the columns needed: ``wanted`` if given, else every common column.

    Every ``named`` column must exist in both (the error names the file and
    the column); columns present on one side only are reported, not fatal.
    """
    ref_label, ref_schema = _schema(reference, "reference")
    cur_label, cur_schema = _schema(current, "current")
    for label, schema in ((ref_label, ref_schema), (cur_label, cur_schema)):
        require_columns(label, list(schema), list(named))
    common = [c for c in ref_schema if c in cur_schema]
    if not common:
        raise InputError(
            "the reference and current data have no column in common",
            where=f"{ref_label}, {cur_label}",
            hint="compare files with the same columns",
        )
    selected = list(wanted) or common
    return Pair(
        reference=_Side(ref_label, _load(reference, ref_label, selected), ref_schema),
        current=_Side(cur_label, _load(current, cur_label, selected), cur_schema),
        selected=selected,
        common=common,
        only_reference=[c for c in ref_schema if c not in cur_schema],
        only_current=[c for c in cur_schema if c not in ref_schema],
    )


def _names(values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    return [v for v in dict.fromkeys(values) if v]


def _schema(source: Source, role: str) -> tuple[str, dict[str, pl.DataType]]:
    if isinstance(source, pl.DataFrame):
        if source.height == 0:
            raise InputError("the data has no rows", where=f"{role} data", hint="pass data with rows")
        return f"{role} data", dict(source.schema)
    path = Path(source)
    lazy = scan_table(path)
    try:
        schema = lazy.collect_schema()
    except Exception as exc:  # polars raises many kinds; all mean "cannot read this file"
        raise InputError(
            f"cannot read the file: {str(exc).strip().splitlines()[0] if str(exc) else exc}",
            where=str(path),
            hint="check that the file is not empty or truncated",
        ) from exc
    return str(path), dict(schema)


def _load(source: Source, label: str, columns: list[str]) -> pl.DataFrame:
    if isinstance(source, pl.DataFrame):
        return source.select(columns)
    return read_table(label, columns=columns)


def _bin_labels(edges: np.ndarray) -> list[str]:
    if edges.size == 0:
        return ["all"]
    shown = [f"{e:.4g}" for e in edges]
    labels = [f"< {shown[0]}"]
    labels += [f"{lo} – {hi}" for lo, hi in itertools.pairwise(shown)]
    labels.append(f"≥ {shown[-1]}")
    return labels


def _category_histogram(categories: list[str], ref_prop: np.ndarray, cur_prop: np.ndarray) -> dict[str, Any]:
    """The most frequent categories (by both sides) and the rest folded into "(other)"."""
    order = np.argsort(-(ref_prop + cur_prop), kind="stable")
    keep = order[:PLOT_CATEGORIES]
    labels = [categories[i] for i in keep]
    ref = ref_prop[keep].tolist()
    cur = cur_prop[keep].tolist()
    if len(categories) > PLOT_CATEGORIES:
        labels.append("(other)")
        ref.append(float(1.0 - sum(ref)))
        cur.append(float(1.0 - sum(cur)))
    return {"labels": labels, "reference": ref, "current": cur}
