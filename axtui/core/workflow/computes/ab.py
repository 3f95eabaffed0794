"""A/B test computes: sample sizes, sample ratio mismatch, the analysis and the test's duration."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from axtui.core.workflow.computes.catalogue import compute
from axtui.errors import InputError
from axtui.stats.ab_options import ABOptions
from axtui.stats.duration import TrafficPlan


@compute("ab_size")
def ab_size(
    baseline: float | None,
    mde: float,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    std: float = 0.0,
) -> dict[str, Any]:
    """Per-variant sample size for two proportions, or for means when ``std`` is given (docs/statistics.md).

    With ``std`` the metric is a mean (not 0/1): ``mde`` is a difference in means and ``baseline`` (named,
    but it may be blank) is not used; ``ratio`` is treatment/control allocation.
    """
    from axtui.stats.sample_size import sample_size_means, sample_size_proportions

    if std:
        if relative:
            raise InputError("relative applies to proportions only", where="ab_size: relative")
        return sample_size_means(std, mde, alpha=alpha, power=power, ratio=ratio)
    if baseline is None:
        raise InputError("compute ab_size needs 'baseline'", where="ab_size: baseline")
    return sample_size_proportions(baseline, mde, relative=relative, alpha=alpha, power=power, ratio=ratio)


@compute("ab_size_means")
def ab_size_means(
    std: float, mde: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> dict[str, Any]:
    """Per-variant sample size for a difference in means."""
    from axtui.stats.sample_size import sample_size_means

    return sample_size_means(std, mde, alpha=alpha, power=power, ratio=ratio)


@compute("srm")
def srm(counts: list[float], weights: list[float] | None = None) -> dict[str, Any]:
    """Sample ratio mismatch: χ² goodness of fit of arm sizes (alert at p < 0.001)."""
    from axtui.stats.ab import srm as srm_test

    return srm_test(counts, weights)


@compute("ab_analyze")
def ab_analyze(
    events: str, variant_col: str, metrics: list[Any], options: ABOptions, sequential: bool = False
) -> dict[str, Any]:
    """A/B analysis per metric and arm, SRM, CUPED, sequential, and SHIP/ROLLBACK/EXTEND/NO_SHIP/INVALID.

    The first metric is primary; ``secondary`` metrics join ``metrics`` (one family for ``correction``).
    The other arguments are the fields of ``ABOptions`` (axtui/stats/ab_options.py).
    """
    from axtui.stats.ab import analyze

    return analyze(events, variant_col=variant_col, metrics=metrics, options=options, sequential=sequential)


@compute("ab_early_stop")
def ab_early_stop(
    events: str,
    variant_col: str,
    metric: str,
    options: ABOptions,
    treatment: str | None = None,
    sequential: bool = True,
) -> dict[str, Any]:
    """Can an A/B test stop early? Sequential p-values for the primary and guardrails, projected sample.

    ``sequential`` is the experiment's plan (a fixed-horizon plan never stops for a winner); the other
    arguments are the fields of ``ABOptions`` (axtui/stats/ab_options.py).
    """
    from axtui.stats.ab import early_stopping

    return early_stopping(
        events,
        variant_col=variant_col,
        metric=metric,
        treatment=treatment,
        options=options,
        planned_sequential=sequential,
    )


@compute("ab_duration")
def ab_duration(
    per_variant: float, daily_traffic: float, plan: TrafficPlan, today: str | None = None
) -> dict[str, Any]:
    """Days an A/B test needs: each arm reaches ``per_variant`` users at its share of daily traffic.

    The other arguments are the fields of ``TrafficPlan`` (axtui/stats/duration.py); ``today`` dates
    the plan when it has no ``start_date``."""
    from axtui.stats.duration import ab_test_duration

    if today and not plan.start_date:
        plan = replace(plan, start_date=today)
    return ab_test_duration(per_variant, daily_traffic, plan)
