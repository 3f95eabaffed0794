"""Why axtui used the test it used: one plain sentence per statistical method, without digits
(an answer may only hold numbers from the facts or the user's text)."""

from __future__ import annotations

METHODS: dict[str, str] = {
    "chi2": (
        "a chi-squared test of the arm-by-outcome contingency table without continuity correction, "
        "used because the metric is a yes/no (binary) outcome; its interval is the Wald interval of the "
        "difference in proportions"
    ),
    "welch_t": (
        "Welch's t-test, used because the metric is continuous and the arms may have unequal variances; "
        "its interval is Welch's interval of the difference in means"
    ),
    "mann_whitney": (
        "the Mann-Whitney U test, a rank test that does not assume normality, reported beside Welch's "
        "t-test for skewed metrics"
    ),
    "mcnemar": (
        "McNemar's test, used because both models were scored on the same examples (paired outcomes)"
    ),
    "paired_bootstrap": (
        "a paired bootstrap of the metric difference, used because both runs were scored on the same "
        "examples and the metric has no closed-form test"
    ),
    "bootstrap": "a percentile bootstrap (rows resampled with replacement) around the metric",
    "ks": "the two-sample Kolmogorov-Smirnov test, which compares the whole distributions",
    "psi": "the population stability index over bins at the reference's quantiles",
    "wasserstein": "the Wasserstein distance scaled by the reference's standard deviation",
    "jensenshannon": "the Jensen-Shannon distance between the binned distributions",
    "chisquare": "a chi-squared goodness-of-fit test of the current categories against the reference",
    "z": "a two-proportion z-test",
    "srm": (
        "a chi-squared goodness-of-fit test of the arm sizes against the planned split (sample ratio "
        "mismatch check)"
    ),
    "sequential": ("an asymptotic confidence sequence, valid at every peek, so the test may stop early"),
    "cuped": "CUPED, a regression adjustment on a pre-period covariate that narrows the interval",
}

_ALIASES = {"welch": "welch_t", "t_test": "welch_t", "mannwhitney": "mann_whitney", "chi_square": "chi2"}


def explain(method: object) -> str | None:
    """The sentence for a method name as the stats modules report it, or None when unknown."""
    if not isinstance(method, str):
        return None
    key = method.strip().lower().replace("-", "_").replace(" ", "_")
    return METHODS.get(_ALIASES.get(key, key))
