"""Experiment comparison (ml-experiment-tracker): improvement per metric, its significance, a verdict.

Significance is taken on the primary metric, from the strongest evidence given:
* per-example 0/1 correctness (or predictions plus y_true) for both models → McNemar's test on the
  discordant pairs: exact binomial when there are fewer than 25, otherwise χ² with continuity correction;
* other per-example values (e.g. per-example loss) → paired bootstrap of the mean difference
  (p = (1 + #{|d* − d̄| ≥ |d̄|}) / (B + 1), CI = percentiles of d*);
* per-fold scores → Welch's t-test on the folds;
* nothing → no test, said so; the verdict can then be at best ITERATE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from axtui.errors import InputError
from axtui.stats import decisions
from axtui.stats.io import read_table
from axtui.stats.options import COMPARISON_DEFAULTS, ComparisonOptions
from axtui.values import finite as _finite
from axtui.values import parse_number as _float

MCNEMAR_EXACT_BELOW = 25


def _array(values: Any, where: str) -> np.ndarray:
    try:
        arr = np.asarray([float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{where} must be a list of numbers", where=where) from None
    if arr.size == 0:
        raise InputError(f"{where} is empty", where=where)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{where} has NaN or infinite values", where=where)
    return arr


def _per_example_arrays(spec: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, str]:
    """(baseline, candidate, kind) where kind is "correctness" or "values"."""
    if "baseline" not in spec or "candidate" not in spec:
        raise InputError(
            "per_example needs 'baseline' and 'candidate'",
            where="per_example",
            hint="lists of per-example values, or column names with 'file'",
        )
    if spec.get("file"):
        path = Path(str(spec["file"]))
        cols = [str(spec["baseline"]), str(spec["candidate"])] + (
            [str(spec["y_true"])] if spec.get("y_true") else []
        )
        frame = read_table(path, columns=list(dict.fromkeys(cols))).drop_nulls()
        if spec.get("y_true"):
            truth = frame[str(spec["y_true"])].to_list()
            return (
                _matches(frame[cols[0]].to_list(), truth),
                _matches(frame[cols[1]].to_list(), truth),
                "correctness",
            )
        import polars as pl

        for c in cols[:2]:
            if not frame[c].dtype.is_numeric() and frame[c].dtype != pl.Boolean:
                raise InputError(
                    f"column {c!r} is {frame[c].dtype}, not numeric",
                    where=f"{path}: column {c}",
                    hint="give per-example scores, or predictions with y_true",
                )
        base = _array(frame[cols[0]].cast(float).to_list(), f"{path}: column {cols[0]}")
        cand = _array(frame[cols[1]].cast(float).to_list(), f"{path}: column {cols[1]}")
    elif spec.get("y_true") is not None:
        truth, base_p, cand_p = list(spec["y_true"]), list(spec["baseline"]), list(spec["candidate"])
        if not (len(truth) == len(base_p) == len(cand_p)):
            raise InputError(
                "y_true, baseline and candidate predictions differ in length", where="per_example"
            )
        return _matches(base_p, truth), _matches(cand_p, truth), "correctness"
    else:
        base = _array(spec["baseline"], "per_example.baseline")
        cand = _array(spec["candidate"], "per_example.candidate")
    if base.size != cand.size:
        raise InputError(
            f"per-example arrays differ in length ({base.size} vs {cand.size})",
            where="per_example",
            hint="both models must be scored on the same examples, in order",
        )
    binary = np.all((base == 0) | (base == 1)) and np.all((cand == 0) | (cand == 1))
    return base, cand, "correctness" if binary else "values"


def _matches(predicted: list[Any], truth: list[Any]) -> np.ndarray:
    """1.0 where a prediction equals the label: as numbers when both are numbers (1 == 1.0), else as text."""

    def numeric(values: list[Any]) -> bool:
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)

    if numeric(predicted) and numeric(truth):
        return (np.asarray(predicted, dtype=float) == np.asarray(truth, dtype=float)).astype(float)
    return (np.asarray([str(v) for v in predicted]) == np.asarray([str(v) for v in truth])).astype(float)


def mcnemar(baseline_correct: np.ndarray, candidate_correct: np.ndarray) -> dict[str, Any]:
    """McNemar's test on paired 0/1 correctness; exact binomial below 25 discordant pairs."""
    from scipy import stats

    b = int(np.sum((baseline_correct == 1) & (candidate_correct == 0)))
    c = int(np.sum((baseline_correct == 0) & (candidate_correct == 1)))
    out: dict[str, Any] = {"baseline_only_correct": b, "candidate_only_correct": c}
    if b + c == 0:
        out.update(
            method="mcnemar_exact", statistic=0.0, p_value=1.0, note="the models agree on every example"
        )
    elif b + c < MCNEMAR_EXACT_BELOW:
        out.update(
            method="mcnemar_exact",
            statistic=float(min(b, c)),
            p_value=float(stats.binomtest(min(b, c), b + c, 0.5).pvalue),
        )
    else:
        chi2 = (abs(b - c) - 1) ** 2 / (b + c)
        out.update(method="mcnemar_chi2", statistic=float(chi2), p_value=float(stats.chi2.sf(chi2, 1)))
    return out


def paired_bootstrap(
    baseline: np.ndarray, candidate: np.ndarray, *, n_boot: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Bootstrap of the mean paired difference (candidate − baseline), vectorised in chunks."""
    d = candidate - baseline
    n = d.size
    dbar = float(d.mean())
    rng = np.random.default_rng(seed)
    boots = np.empty(n_boot)
    chunk = max(1, min(n_boot, 20_000_000 // max(n, 1)))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        boots[start : start + b] = d[rng.integers(0, n, size=(b, n))].mean(axis=1)
    extreme = int(np.sum(np.abs(boots - dbar) >= abs(dbar))) if dbar != 0 else n_boot
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {
        "method": "paired_bootstrap",
        "statistic": dbar,
        "p_value": (1 + extreme) / (n_boot + 1),
        "ci95": [float(lo), float(hi)],
        "n_boot": n_boot,
        "seed": seed,
    }


def welch_folds(baseline: np.ndarray, candidate: np.ndarray) -> dict[str, Any]:
    from scipy import stats

    if baseline.size < 2 or candidate.size < 2:
        raise InputError("Welch's test needs at least two fold scores per model", where="fold_scores")
    if baseline.var() == 0 and candidate.var() == 0:
        return {
            "method": "welch_t",
            "statistic": None,
            "p_value": None,
            "ci95": [None, None],
            "note": "every fold score is identical within each model: the test is undefined",
        }
    res = stats.ttest_ind(candidate, baseline, equal_var=False)
    ci = res.confidence_interval(0.95)
    return {
        "method": "welch_t",
        "statistic": _finite(res.statistic),
        "p_value": _finite(res.pvalue),
        "ci95": [_finite(ci.low), _finite(ci.high)],
        "df": _finite(res.df),
    }


def compare_experiments(
    baseline_metrics: Mapping[str, Any],
    candidate_metrics: Mapping[str, Any],
    *,
    primary_metric: str,
    options: ComparisonOptions = COMPARISON_DEFAULTS,
    **changes: Any,
) -> dict[str, Any]:
    """Compare a candidate with the baseline and decide PROMOTE / ITERATE / REJECT.

    Metric directions default to the metric's name (loss, error, latency... lower is better).
    ``options`` holds the evidence and the success criteria (stats/options.py); keyword ``changes``
    name ``ComparisonOptions`` fields to change for this call (``..., primary_metric="f1", alpha=0.01``).
    """
    o = replace(options, **changes) if changes else options
    baseline = {str(k): _float(v, f"baseline_metrics.{k}") for k, v in (baseline_metrics or {}).items()}
    candidate = {str(k): _float(v, f"candidate_metrics.{k}") for k, v in (candidate_metrics or {}).items()}
    notes: list[str] = []
    significance: dict[str, Any] = {
        "method": None,
        "statistic": None,
        "p_value": None,
        "note": "no per-example predictions or per-fold scores: significance was not tested",
    }
    if o.per_example:
        base, cand, kind = _per_example_arrays(o.per_example)
        if kind == "correctness":
            significance = mcnemar(base, cand)
            significance["ci95"] = paired_bootstrap(base, cand, n_boot=o.n_boot, seed=o.seed)["ci95"]
        else:
            significance = paired_bootstrap(base, cand, n_boot=o.n_boot, seed=o.seed)
        significance.update(
            n=int(base.size), kind=kind, baseline_mean=float(base.mean()), candidate_mean=float(cand.mean())
        )
        effect = float(cand.mean() - base.mean())
        if primary_metric not in baseline or primary_metric not in candidate:
            baseline[primary_metric], candidate[primary_metric] = float(base.mean()), float(cand.mean())
            notes.append(f"{primary_metric} taken as the mean of the per-example values")
    elif o.fold_scores:
        if "baseline" not in o.fold_scores or "candidate" not in o.fold_scores:
            raise InputError("fold_scores needs 'baseline' and 'candidate' lists", where="fold_scores")
        fb = _array(o.fold_scores["baseline"], "fold_scores.baseline")
        fc = _array(o.fold_scores["candidate"], "fold_scores.candidate")
        significance = welch_folds(fb, fc)
        significance.update(
            n_baseline=int(fb.size),
            n_candidate=int(fc.size),
            note="folds treated as independent samples (Welch)",
        )
        effect = float(fc.mean() - fb.mean())
        if primary_metric not in baseline or primary_metric not in candidate:
            baseline[primary_metric], candidate[primary_metric] = float(fb.mean()), float(fc.mean())
            notes.append(f"{primary_metric} taken as the mean fold score")
    else:
        effect = None
    if primary_metric not in baseline or primary_metric not in candidate:
        raise InputError(
            f"primary metric {primary_metric!r} is missing from the "
            + ("baseline" if primary_metric not in baseline else "candidate")
            + " metrics",
            where="primary_metric",
            hint="the metrics have: " + ", ".join(sorted(baseline)),
        )
    rows = []
    for name in [m for m in baseline if m in candidate]:
        hib = decisions.metric_higher_is_better(name, o.higher_is_better)
        b, c = baseline[name], candidate[name]
        improvement = (c - b) if hib else (b - c)
        rows.append(
            {
                "metric": name,
                "baseline": b,
                "candidate": c,
                "abs_diff": c - b,
                "improvement": improvement,
                "relative_improvement": improvement / abs(b) if b else None,
                "higher_is_better": hib,
                "improved": improvement > 0,
                "primary": name == primary_metric,
            }
        )
    primary = next(r for r in rows if r["primary"])
    p = significance.get("p_value")
    significant: bool | None = None if significance["method"] is None or p is None else bool(p < o.alpha)
    if significant and effect is not None:
        good_effect = effect if primary["higher_is_better"] else -effect
        if _directions_disagree(good_effect, primary["improvement"]):
            significant = False
            notes.append("the significance test's direction disagrees with the reported metrics")
    decision = decisions.experiment_decision(
        improvement=primary["improvement"],
        significant=significant,
        min_improvement=float(o.min_improvement),
        relative_improvement=primary["relative_improvement"],
        min_relative_improvement=None
        if o.min_relative_improvement is None
        else float(o.min_relative_improvement),
    )
    return {
        "primary_metric": primary_metric,
        "metrics": rows,
        "significance": significance,
        "significant": significant,
        "alpha": o.alpha,
        "success_criteria": {
            "min_improvement": float(o.min_improvement),
            "min_relative_improvement": o.min_relative_improvement,
        },
        "missing_metrics": sorted(set(baseline) ^ set(candidate)),
        "notes": notes,
        "decision": decision["decision"],
        "decision_reason": decision["reason"],
        "decision_inputs": decision["inputs"],
    }


def _directions_disagree(test_effect: float, improvement: float) -> bool:
    """True when the test's effect and the metric improvement point in opposite directions."""
    return (test_effect > 0 > improvement) or (test_effect < 0 < improvement)
