"""A/B test computes: sample sizes, sample ratio mismatch, the analysis and the test's duration."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import compute


@compute("ab_size")
def ab_size(
    baseline: float, mde: float, relative: bool = False, alpha: float = 0.05, power: float = 0.8
) -> dict[str, Any]:
    """Per-variant sample size for two proportions (docs/reference/statistics.md, A/B tests)."""
    from axtui.stats.sample_size import sample_size_proportions

    return sample_size_proportions(baseline, mde, relative=relative, alpha=alpha, power=power)


@compute("ab_size_means")
def ab_size_means(std: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> dict[str, Any]:
    """Per-variant sample size for a difference in means."""
    from axtui.stats.sample_size import sample_size_means

    return sample_size_means(std, mde, alpha=alpha, power=power)


@compute("srm")
def srm(counts: list[float], weights: list[float] | None = None) -> dict[str, Any]:
    """Sample ratio mismatch: χ² goodness of fit of arm sizes (alert at p < 0.001)."""
    from axtui.stats.ab import srm as srm_test

    return srm_test(counts, weights)


@compute("ab_analyze")
def ab_analyze(
    events: str,
    variant_col: str,
    metrics: list[Any],
    control: str = "control",
    guardrails: list[Any] | None = None,
    lower_is_better: list[Any] | None = None,
    guardrail_threshold: float | None = None,
    alpha: float = 0.05,
    mde: float | None = None,
    mde_relative: bool = False,
    power: float = 0.8,
) -> dict[str, Any]:
    """A/B analysis per metric and arm, SRM, and SHIP/ROLLBACK/EXTEND/NO_SHIP."""
    from axtui.stats.ab import analyze

    return analyze(
        events,
        variant_col=variant_col,
        control=control,
        metrics=metrics,
        guardrails=guardrails,
        lower_is_better=lower_is_better,
        guardrail_threshold=guardrail_threshold,
        alpha=alpha,
        mde=mde,
        mde_relative=mde_relative,
        power=power,
    )


@compute("ab_duration")
def ab_duration(
    per_variant: float,
    daily_traffic: float,
    treatment_share: float = 0.5,
    control_share: float | None = None,
    ramp_days: int = 0,
    start_date: str | None = None,
    today: str | None = None,
) -> dict[str, Any]:
    """Days an A/B test needs: each arm reaches ``per_variant`` users at its share of daily traffic."""
    from axtui.stats.duration import ab_test_duration

    return ab_test_duration(
        per_variant,
        daily_traffic,
        treatment_share=treatment_share,
        control_share=control_share,
        ramp_days=ramp_days,
        start_date=start_date or today,
    )
