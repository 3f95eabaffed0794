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
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.io import collect_schema, read_error, require_columns, scan_table, source_label

if TYPE_CHECKING:
    from axtui.stats.profile import Profile

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
# High-cardinality categoricals (docs/drift.md): when reference and current together have more than
# CATEGORY_BINS categories, the reference's CATEGORY_BINS - 2 most frequent keep their own bin, its other
# categories share "(other)" and categories never seen in the reference share "(new)", so a current
# whose categories are all new reads as drift instead of a sum of clipped, vanishing shares.
CATEGORY_BINS = 100
OTHER_BUCKET = "(other)"
NEW_BUCKET = "(new)"
LISTED_NEW_CATEGORIES = 100
READ_BUDGET = 256 * 1024 * 1024  # bytes of column values read at once (both sides)
WORK_BUDGET = 1024 * 1024 * 1024  # bytes the worker threads may hold at once
WORK_BYTES_PER_VALUE = 40  # a numeric column's merge holds ~5 arrays of n1 + n2 values

Source = str | Path | pl.DataFrame

_TEXT_DTYPES = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)


@dataclass
class _Side:
    """One input table (scanned lazily) and how to name it in messages."""

    label: str
    lazy: pl.LazyFrame
    schema: dict[str, pl.DataType] = field(default_factory=dict)
    rows: int = 0

    def where(self, column: str | None = None) -> str:
        return f"{self.label}: column {column}" if column else self.label


@dataclass
class _Plan:
    """What to compute for one column, decided before any heavy work."""

    name: str
    forced: str | None  # "numeric", "categorical" or None (infer)
    named: bool


ProgressCallback = Callable[[int, int, int], None]  # (columns done, columns in all, rows read)


def compute_drift(
    reference: Source | Profile,
    current: Source,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    numeric: Sequence[str] | None = None,
    workers: int | None = None,
    exact: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Per-column drift of ``current`` against ``reference`` as the section 8.1 JSON document.

    ``reference`` is a data source (file, glob, folder, URL, DataFrame) or a
    reference profile (``axtui.stats.profile``; a profile file is recognised
    by its content). ``columns`` limits the analysis (each must exist in both
    tables); ``categorical``/``numeric`` force a column's kind; ``exact``
    refuses a profile (whose KS and Wasserstein are within the sketch's bound,
    not exact). Columns are read a group at a time (``column_groups``) so
    peak memory follows a few columns, not the table. Extra keys beyond the
    contract: ``compared``, ``common_columns``, ``only_in_reference``,
    ``only_in_current``, ``skipped`` (name + reason), ``histograms`` (per
    column bin labels and proportions, for plots), ``approximate`` and per
    column ``reference_mean``, ``current_mean``, ``inf_reference``,
    ``inf_current``. Nothing compared is an error, never GREEN.
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
    from axtui.stats import profile as profiles

    ref_profile = profiles.as_profile(reference)
    if ref_profile is not None:
        if exact:
            raise InputError(
                "exact KS and Wasserstein need the raw reference data, not a profile",
                where=ref_profile.label,
                hint="pass the reference data file itself, or leave --exact out "
                "(KS and Wasserstein are then within the sketch's stated bound)",
            )
        from axtui.stats.profile_drift import drift_against_profile

        _preload_scipy(small=False)  # against a profile KS is never scipy's exact method
        return drift_against_profile(
            ref_profile,
            current,
            wanted=wanted,
            named=named,
            forced_cat=forced_cat,
            forced_num=forced_num,
            workers=workers,
            progress=progress,
        )

    pair = open_pair(reference, current, wanted=wanted, named=named)
    ref, cur = pair.reference, pair.current
    _preload_scipy(small=max(ref.rows, cur.rows) <= KS_EXACT_MAX_N)
    plans = [
        _Plan(
            name,
            "categorical" if name in forced_cat else "numeric" if name in forced_num else None,
            name in named,
        )
        for name in pair.selected
    ]
    results = run_groups(
        plans,
        lambda group: (_collect(ref, group), _collect(cur, group)),
        lambda plan, frames: _column(plan, ref, cur, frames[0], frames[1]),
        rows=max(ref.rows, cur.rows),
        total_rows=ref.rows + cur.rows,
        workers=workers,
        progress=progress,
    )
    return assemble(results, ref.rows, cur.rows, pair)


def assemble(results: list[dict[str, Any]], ref_rows: int, cur_rows: int, pair: Pair) -> dict[str, Any]:
    """The report from the per-column results; nothing compared is an error naming the columns."""
    analysed = [r for r in results if "skip" not in r]
    skipped = [{"name": r["name"], "reason": r["skip"]} for r in results if "skip" in r]
    if not analysed:
        shown = "; ".join(f"{s['name']}: {s['reason']}" for s in skipped[:10])
        raise InputError(
            f"no column could be compared ({shown})",
            where=f"{pair.reference.label}, {pair.current.label}",
            hint="every selected column was skipped; a drift report with nothing compared would read as "
            "healthy. Pick columns with values on both sides.",
        )
    histograms = {r["name"]: r.pop("_histogram") for r in analysed}
    return {
        "reference_rows": ref_rows,
        "current_rows": cur_rows,
        "columns": analysed,
        "alert_level": alert_level(analysed),
        "top_drifted": top_drifted(analysed),
        "compared": [r["name"] for r in analysed],
        "common_columns": pair.common,
        "only_in_reference": pair.only_reference,
        "only_in_current": pair.only_current,
        "skipped": skipped,
        "histograms": histograms,
    }


def column_groups(names: Sequence[str], rows: int, n_workers: int) -> list[list[str]]:
    """Columns in read order, grouped so one group of both sides stays within ``READ_BUDGET`` bytes.

    A group is read in one polars scan (parallel column decoding, one pass
    over a CSV) and its columns are then computed on the worker threads; at
    least ``n_workers`` columns per group keep both cores busy.
    """
    per_column = max(rows, 1) * 8 * 2  # both sides, 8 bytes a value
    size = max(n_workers, READ_BUDGET // per_column, 1)
    return [list(names[i : i + size]) for i in range(0, len(names), size)]


def run_groups(
    plans: Sequence[_Plan],
    read: Callable[[list[str]], Any],
    compute: Callable[[_Plan, Any], dict[str, Any]],
    *,
    rows: int,
    total_rows: int,
    workers: int | None,
    progress: ProgressCallback | None,
) -> list[dict[str, Any]]:
    """Read the plans' columns a group at a time and compute each column on a small thread pool."""
    n_workers = workers or worker_count(len(plans), rows)
    by_name = {p.name: p for p in plans}
    groups = column_groups([p.name for p in plans], rows, n_workers)
    results: list[dict[str, Any]] = []
    done = 0
    pool = ThreadPoolExecutor(max_workers=n_workers) if n_workers > 1 and len(plans) > 1 else None
    try:
        for group in groups:
            frames = read(group)
            chunk = [by_name[name] for name in group]
            if pool is not None and len(chunk) > 1:
                results.extend(pool.map(lambda plan, f=frames: compute(plan, f), chunk))
            else:
                results.extend(compute(plan, frames) for plan in chunk)
            del frames
            done += len(group)
            if progress is not None:
                progress(done, len(plans), total_rows)
    finally:
        if pool is not None:
            pool.shutdown()
        release_workspace()
    return results


def worker_count(columns: int, rows: int) -> int:
    """Threads for the columns: one per core, fewer when their merges would not fit WORK_BUDGET.

    At 10M rows a side one numeric column's merge holds ~800 MB, so columns
    then run one at a time (polars still reads with every core).
    """
    per_column = max(rows, 1) * 2 * WORK_BYTES_PER_VALUE
    fits = max(1, WORK_BUDGET // per_column)
    return max(1, min(columns, os.cpu_count() or 1, fits))


def _preload_scipy(small: bool = True) -> None:
    """Import what the workers will need before they start (an import inside a thread holds the others).

    Only ``scipy.special``: the KS and χ² p-values come from ``ksdist`` and
    ``contingency`` on it, bit-identical to scipy.stats. ``scipy.stats`` itself
    (~1.4 s of CPU) is loaded only when a column may be small enough for
    ``ks_2samp``'s exact method (``small``).
    """
    import scipy.special

    if small:
        import scipy.stats  # noqa: F401
    keep_freed_memory()


_MALLOC_TUNED: list[bool] = []
_WORK = threading.local()


def workspace(name: str, size: int, dtype: type = np.float64) -> np.ndarray:
    """A per-thread scratch array of ``size`` values, reused from column to column.

    At 10M rows a column's merge touches ~1 GB of fresh arrays; allocated
    anew for every column, the kernel's page faults (zeroing every page)
    cost more system time than the statistics. Reusing the same buffers
    faults them in once. ``release_workspace`` frees them after a run.
    """
    buffers = _WORK.__dict__.setdefault("buffers", {})
    arr = buffers.get(name)
    if arr is None or arr.size < size or arr.dtype != dtype:
        buffers.pop(name, None)
        arr = np.empty(max(size, 1), dtype=dtype)
        buffers[name] = arr
    return arr[:size]


def release_workspace() -> None:
    _WORK.__dict__.pop("buffers", None)


def keep_freed_memory() -> None:
    """Ask glibc to reuse freed column-sized blocks instead of returning them to the kernel.

    Every column allocates and frees a few arrays of n values; by default
    glibc maps each one fresh (mmap above 128 KiB), and the kernel's page
    faults on those new pages cost about a tenth of a drift run's CPU
    (bench/drift.md). Raising the mmap threshold to its maximum (32 MiB) and
    the trim threshold keeps them in the heap for the next column. Peak
    memory is unchanged (the same blocks are reused). A no-op off glibc.
    """
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED.append(True)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _collect(side: _Side, columns: list[str]) -> pl.DataFrame:
    """Only these columns of one side, read now (a projection of the lazy scan)."""
    try:
        return side.lazy.select(columns).collect()
    except Exception as exc:
        raise read_error(exc, side.label, "check the file's format and encoding") from exc


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


def ks_and_wasserstein(
    sorted_ref: np.ndarray, sorted_cur: np.ndarray, *, reuse: bool = False
) -> tuple[float, float]:
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
    n = n1 + n2

    def scratch(name: str, dtype: type = np.float64) -> np.ndarray:
        return workspace(name, n, dtype) if reuse else np.empty(n, dtype=dtype)

    merged = np.concatenate((sorted_ref, sorted_cur), out=scratch("merged"))
    order = np.argsort(merged, kind="stable")  # two sorted runs: a linear merge
    values = np.take(merged, order, out=scratch("values"), mode="clip")  # "raise" would buffer `out`
    steps = np.subtract(values[1:], values[:-1], out=merged[:-1])  # merged's buffer is free now
    del values
    # each reference value raises the gap by n2, each current value lowers it by n1; float64 is
    # exact for these integers (|gap| ≤ n1·n2 < 2**53). Built in place: np.where with scalars and a
    # cumsum that converts from bool each cost more than the merge itself.
    is_ref = np.less(order, n1, out=scratch("is_ref", np.bool_))
    del order
    gap = np.multiply(is_ref, float(n1 + n2), out=scratch("gap"))
    gap -= float(n1)
    np.cumsum(gap, out=gap)
    tied = np.equal(steps, 0, out=is_ref[:-1])
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
    # numpy's own sum of products, not np.dot: OpenBLAS splits a dot of this size over its threads,
    # whose spinning cost more CPU than the product, and whose count set the last digits of the sum
    distance = float(np.einsum("i,i->", gap[:-1], steps)) / (float(n1) * float(n2))
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
    checks 1e-9). Every other case goes to ``ksdist.kstwo_sf``, scipy's own
    code on scipy.special (bit-identical, without importing scipy.stats).
    """
    from axtui.stats.ksdist import kstwo_sf

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
    return float(np.clip(kstwo_sf(x, en), 0, 1))


def smirnov_sf(n: int, x: float) -> float:
    """P(D⁺ₙ ≥ x), the Birnbaum–Tingey sum x·Σ C(n,v)(x+v/n)^(v-1)(1-x-v/n)^(n-v), vectorised.

    Terms more than 1e30 times smaller than the largest are skipped (found on
    a coarse grid first; the terms are unimodal in v).
    """
    from scipy.special import smirnov

    from axtui.stats.ksdist import binom_pmf

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
    terms = binom_pmf(grid, n, p) / p
    top = float(terms.max())
    if not top > 1e-280:  # the terms underflow doubles: let scipy's scaled arithmetic do it
        return float(smirnov(n, x))
    inside = np.flatnonzero(terms > top * 1e-30)
    lo = grid[max(int(inside[0]) - 1, 0)]
    hi = grid[min(int(inside[-1]) + 1, grid.size - 1)]
    v = np.arange(lo, hi + 1, dtype=np.float64)
    p = x + v / n
    return float(x * np.sum(binom_pmf(v, n, p) / p))


def numeric_statistics(
    sorted_ref: np.ndarray, sorted_cur: np.ndarray, *, reuse: bool = False
) -> dict[str, Any]:
    """Every section 8.1 number for one numeric column, from its two sorted, finite samples."""
    n1, n2 = sorted_ref.size, sorted_cur.size
    if max(n1, n2) <= KS_EXACT_MAX_N:
        from scipy.stats import ks_2samp

        result = ks_2samp(sorted_ref, sorted_cur)  # exact method: reuse scipy as is
        ks_stat, ks_p = float(result.statistic), float(result.pvalue)
        _, wasserstein = ks_and_wasserstein(sorted_ref, sorted_cur, reuse=reuse)
    else:
        ks_stat, wasserstein = ks_and_wasserstein(sorted_ref, sorted_cur, reuse=reuse)
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
    """PSI, JS and the 2×K χ² test over the union of categories; unseen categories listed.

    Above CATEGORY_BINS categories the bins are pooled (``pool_categories``);
    ``pooled`` then says how, so a reader knows the bins are not one per value.
    """
    from axtui.stats.contingency import chi2_contingency

    new = sorted(k for k in cur_counts if k not in ref_counts)
    categories, ref, cur, pooled = pool_categories(ref_counts, cur_counts)
    ref_prop = ref / ref.sum()
    cur_prop = cur / cur.sum()
    chi2 = chi2_contingency(np.vstack([ref, cur]))
    stats: dict[str, Any] = {
        "psi": psi_from_proportions(ref_prop, cur_prop),
        "js_distance": js_distance(ref_prop, cur_prop),
        "chi2_statistic": float(chi2.statistic),
        "chi2_pvalue": float(chi2.pvalue),
        "new_categories": new[:LISTED_NEW_CATEGORIES],
        "_histogram": _category_histogram(categories, ref_prop, cur_prop),
    }
    if len(new) > LISTED_NEW_CATEGORIES:
        stats["new_category_count"] = len(new)
    if pooled is not None:
        stats["pooled"] = pooled
    return stats


def pool_categories(
    ref_counts: dict[str, int], cur_counts: dict[str, int]
) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, Any] | None]:
    """Bins (labels, reference counts, current counts) and, when pooled, how.

    Up to CATEGORY_BINS categories (both sides together) each category is a
    bin, ordered by reference count. Beyond that the reference's
    CATEGORY_BINS − 2 most frequent categories keep their bins, every other
    reference category goes to "(other)" and every category the reference
    never had to "(new)"; bins empty on both sides are dropped (χ² needs
    positive expected counts).
    """
    union = set(ref_counts) | set(cur_counts)
    if len(union) <= CATEGORY_BINS:
        categories = sorted(union, key=lambda k: (-ref_counts.get(k, 0), k))
        ref = np.array([ref_counts.get(k, 0) for k in categories], dtype=np.int64)
        cur = np.array([cur_counts.get(k, 0) for k in categories], dtype=np.int64)
        return categories, ref, cur, None
    keep = sorted(ref_counts, key=lambda k: (-ref_counts[k], k))[: CATEGORY_BINS - 2]
    kept = set(keep)
    ref_other = sum(n for k, n in ref_counts.items() if k not in kept)
    cur_other = sum(n for k, n in cur_counts.items() if k not in kept and k in ref_counts)
    cur_new = sum(n for k, n in cur_counts.items() if k not in ref_counts)
    labels = [*keep, OTHER_BUCKET, NEW_BUCKET]
    ref = np.array([*(ref_counts[k] for k in keep), ref_other, 0], dtype=np.int64)
    cur = np.array([*(cur_counts.get(k, 0) for k in keep), cur_other, cur_new], dtype=np.int64)
    nonempty = (ref + cur) > 0
    labels = [label for label, ok in zip(labels, nonempty, strict=True) if ok]
    pooled = {
        "categories": len(union),
        "kept": len(keep),
        "other_reference": int(ref_other),
        "other_current": int(cur_other),
        "new_current": int(cur_new),
    }
    return labels, ref[nonempty], cur[nonempty], pooled


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


def empty_row(name: str, kind: str) -> dict[str, Any]:
    """A column's row with every statistic unset (the contract's fields that do not apply stay null)."""
    return {
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


def finish_row(row: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    row.update(stats)
    row["votes"] = votes(stats)
    row["drifted"] = row["votes"] >= 2
    row["severity"] = severity(stats["psi"])
    return row


def _column(
    plan: _Plan, ref: _Side, cur: _Side, ref_frame: pl.DataFrame, cur_frame: pl.DataFrame
) -> dict[str, Any]:
    name = plan.name
    ref_s, cur_s = ref_frame.get_column(name), cur_frame.get_column(name)
    kind_or_skip = _kind(plan, ref, cur, ref_s.dtype, cur_s.dtype, lambda: _few_values(ref_s, cur_s))
    if kind_or_skip.startswith("skip:"):
        return {"name": name, "skip": kind_or_skip[5:]}
    kind = kind_or_skip
    row = empty_row(name, kind)
    if kind == "numeric":
        ref_vals, ref_missing, ref_inf = finite_sorted(ref_s, "reference")
        cur_vals, cur_missing, cur_inf = finite_sorted(cur_s, "current")
        empty = _empty_side(
            plan, ref, cur, ref_vals.size, cur_vals.size, "finite value (all null, NaN or ±inf)"
        )
        if empty:
            return {"name": name, "skip": empty}
        stats = numeric_statistics(ref_vals, cur_vals, reuse=True)
        row.update(inf_reference=ref_inf, inf_current=cur_inf)
    else:
        ref_counts, ref_missing = category_counts(ref_s)
        cur_counts, cur_missing = category_counts(cur_s)
        empty = _empty_side(plan, ref, cur, len(ref_counts), len(cur_counts), "non-null value")
        if empty:
            return {"name": name, "skip": empty}
        stats = categorical_statistics(ref_counts, cur_counts)
    row["null_rate_reference"] = ref_missing / ref_s.len()
    row["null_rate_current"] = cur_missing / cur_s.len()
    return finish_row(row, stats)


def _kind(
    plan: _Plan,
    ref: Any,
    cur: Any,
    ref_dtype: pl.DataType,
    cur_dtype: pl.DataType,
    few_values: Callable[[], bool],
) -> str:
    """The column's kind, or "skip:<reason>" for columns no test applies to.

    ``ref``/``cur`` name the sides in messages (``where``, ``label``,
    ``schema``); ``few_values`` answers, only when asked, whether an integer
    column has at most FEW_VALUES distinct values on both sides.
    """
    name = plan.name
    dtypes = ((ref, ref_dtype), (cur, cur_dtype))
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
    if ref_dtype.is_integer() and cur_dtype.is_integer() and few_values():
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


def _skip_or_raise(plan: _Plan, side: Any, reason: str) -> str:
    if plan.named:
        raise InputError(
            f"column {plan.name!r}: {reason}",
            where=side.where(plan.name),
            hint="pick columns with data, or leave this one out",
        )
    return f"skip:{reason} in {side.label}"


def _empty_side(plan: _Plan, ref: Any, cur: Any, n_ref: int, n_cur: int, what: str) -> str | None:
    """None when both sides have values; otherwise the skip reason (or an error if the column was named)."""
    for side, n in ((ref, n_ref), (cur, n_cur)):
        if n == 0:
            return _skip_or_raise(plan, side, f"no {what}").removeprefix("skip:")
    return None


def finite_sorted(series: pl.Series, slot: str | None = None) -> tuple[np.ndarray, int, int]:
    """The finite values sorted, the count of missing values (null or NaN) and of ±inf.

    numpy's sort, not polars': on this project's x86 machines numpy 2's SIMD
    sort takes about a quarter of the CPU time of polars' (bench/drift.md).
    With ``slot`` the result lives in that per-thread workspace buffer
    (valid until the next call with the same slot on this thread).
    """
    if slot is not None and series.dtype == pl.Float64 and series.null_count() == 0:
        direct = _sorted_in_place(series, slot)
        if direct is not None:
            return direct, 0, 0
    values = series.cast(pl.Float64).to_numpy()
    finite = np.isfinite(values)
    if finite.all():
        missing = infinite = 0
        kept_count = values.size
    else:
        missing = int(np.isnan(values).sum())
        kept_count = int(finite.sum())
        infinite = int(values.size - kept_count - missing)
    if slot is None:
        out = np.sort(values) if kept_count == values.size else np.sort(values[finite])
        return out, missing, infinite
    out = workspace(slot, kept_count)
    if kept_count == values.size:
        np.copyto(out, values)
    else:
        np.compress(finite, values, out=out)
    out.sort()
    return out, missing, infinite


_finite_sorted = finite_sorted


def _sorted_in_place(series: pl.Series, slot: str) -> np.ndarray | None:
    """A null-free float column's chunks copied straight into the workspace and sorted there.

    A column read from Parquet arrives in several chunks, so ``to_numpy`` would
    first concatenate them into a fresh array that ``finite_sorted`` then copies
    again; this is one copy. None when a value is NaN or ±inf (the general path
    counts and drops them).
    """
    out = workspace(slot, series.len())
    start = 0
    for chunk in series.get_chunks():
        part = chunk.to_numpy()
        out[start : start + part.size] = part
        start += part.size
    if not np.isfinite(out).all():
        return None
    out.sort()
    return out


def category_counts(series: pl.Series) -> tuple[dict[str, int], int]:
    """Counts per category (values as text) and the number of nulls (and NaN for float columns)."""
    if series.dtype.is_float():
        missing = series.null_count() + int(series.is_nan().sum())
        series = series.drop_nulls().drop_nans()
    else:
        missing = series.null_count()
        series = series.drop_nulls()
    text = series.cast(pl.String).rename("value")
    counts = text.to_frame().group_by("value").len(name="count")  # a third less CPU than value_counts
    return dict(
        zip(counts.get_column("value").to_list(), counts.get_column("count").to_list(), strict=True)
    ), missing


# ---------------------------------------------------------------- inputs


@dataclass
class Pair:
    """Reference and current data (lazy scans) and the columns to compare."""

    reference: _Side
    current: _Side
    selected: list[str]
    common: list[str]
    only_reference: list[str]
    only_current: list[str]


def open_pair(
    reference: Source, current: Source, *, wanted: Sequence[str] = (), named: Sequence[str] = ()
) -> Pair:
    """Scan both tables lazily and pick the columns: ``wanted`` if given, else every common column.

    Every ``named`` column must exist in both (the error names the source and
    the column); columns present on one side only are reported, not fatal.
    Nothing but the schemas and the row counts is read here.
    """
    ref = open_side(reference, "reference")
    cur = open_side(current, "current")
    for side in (ref, cur):
        require_columns(side.label, list(side.schema), list(named))
    common = [c for c in ref.schema if c in cur.schema]
    if not common:
        raise InputError(
            "the reference and current data have no column in common",
            where=f"{ref.label}, {cur.label}",
            hint="compare files with the same columns",
        )
    return Pair(
        reference=ref,
        current=cur,
        selected=list(wanted) or common,
        common=common,
        only_reference=[c for c in ref.schema if c not in cur.schema],
        only_current=[c for c in cur.schema if c not in ref.schema],
    )


def open_side(source: Source, role: str) -> _Side:
    """A lazy scan of one side with its schema and row count; empty data is refused."""
    if isinstance(source, pl.DataFrame):
        label, lazy = f"{role} data", source.lazy()
        schema, rows = dict(source.schema), source.height
    else:
        label = source_label(source)
        lazy = scan_table(source)
        schema = collect_schema(lazy, label)
        try:
            rows = int(lazy.select(pl.len()).collect().item())
        except Exception as exc:
            raise read_error(exc, label, "check that the data is not empty or truncated") from exc
    if rows == 0:
        raise InputError(
            "the data has no rows" if isinstance(source, pl.DataFrame) else "the file has no rows",
            where=label,
            hint="pass data with rows",
        )
    return _Side(label, lazy, schema, rows)


def _names(values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    return [v for v in dict.fromkeys(values) if v]


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
