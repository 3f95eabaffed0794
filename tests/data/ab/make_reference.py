"""Regenerate the A/B reference numbers from independent tools (GrowthBook's gbstats, statsmodels).

Run once in a side environment, never in the project's venv (the test suite only reads the committed
files):

    uv venv /tmp/gbenv && VIRTUAL_ENV=/tmp/gbenv uv pip install gbstats==0.8.0 statsmodels pandas
    /tmp/gbenv/bin/python tests/data/ab/make_reference.py

Writes events.csv (the input data, so the tests never depend on a random generator's stream) and
reference.json: gbstats' fixed-horizon relative intervals, sequential confidence sequences and CUPED
(regression-adjusted) results per metric, statsmodels' power solutions for means (NormalIndPower,
two-sided, both tails) and proportions (samplesize_proportions_2indep_onetail) with unequal allocation,
and the versions of the tools that produced them.
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
    compute_theta,
)
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

HERE = Path(__file__).parent
TUNINGS = (5000.0, 1000.0)


def events() -> pd.DataFrame:
    rng = np.random.default_rng(20261201)
    rows = []
    for arm, n, conv, lift in (("control", 1500, 0.10, 0.0), ("treatment", 1600, 0.125, 1.2)):
        pre = np.round(rng.gamma(2.0, 10.0, n), 3)
        revenue = np.round(0.6 * pre + rng.normal(5.0 + lift, 8.0, n), 3)
        pre_conv = (rng.random(n) < 0.3).astype(int)
        converted = (rng.random(n) < conv + 0.08 * pre_conv).astype(int)
        profit = np.round(rng.normal(-5.0 - (0.8 if arm == "treatment" else 0.0), 6.0, n), 3)
        rows.append(
            pd.DataFrame(
                {
                    "variant": arm,
                    "converted": converted,
                    "pre_converted": pre_conv,
                    "revenue": revenue,
                    "pre_revenue": pre,
                    "profit": profit,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _stat(x: np.ndarray, binary: bool):
    if binary:
        return ProportionStatistic(n=int(x.size), sum=float(x.sum()))
    return SampleMeanStatistic(n=int(x.size), sum=float(x.sum()), sum_squares=float((x**2).sum()))


def _ra(y: np.ndarray, x: np.ndarray, y_bin: bool, x_bin: bool) -> RegressionAdjustedStatistic:
    return RegressionAdjustedStatistic(
        n=int(y.size),
        post_statistic=_stat(y, y_bin),
        pre_statistic=_stat(x, x_bin),
        post_pre_sum_of_products=float((y * x).sum()),
        theta=0,
    )


def _fixed(a, b, kind: str) -> dict:
    test = TwoSidedTTest(a, b, FrequentistConfig(difference_type=kind, alpha=0.05))
    res = test.compute_result()
    return {"effect": res.expected, "ci": list(res.ci), "p_value": res.p_value, "variance": test.variance}


def _sequential(a, b, kind: str, tuning: float) -> dict:
    test = SequentialTwoSidedTTest(
        a, b, SequentialConfig(difference_type=kind, alpha=0.05, sequential_tuning_parameter=tuning)
    )
    res = test.compute_result()
    return {"effect": res.expected, "ci": list(res.ci), "p_value": res.p_value}


def gbstats_cases(frame: pd.DataFrame) -> list[dict]:
    cases = []
    c = frame[frame.variant == "control"]
    t = frame[frame.variant == "treatment"]
    for metric, covariate in (
        ("converted", "pre_converted"),
        ("revenue", "pre_revenue"),
        ("profit", None),
        ("converted", "pre_revenue"),
    ):
        yc, yt = c[metric].to_numpy(float), t[metric].to_numpy(float)
        y_bin = bool(np.isin(np.r_[yc, yt], (0, 1)).all())
        case: dict = {"metric": metric, "covariate": covariate, "binary": y_bin}
        a, b = _stat(yc, y_bin), _stat(yt, y_bin)
        case["relative"] = _fixed(a, b, "relative")
        case["absolute"] = _fixed(a, b, "absolute")
        case["sequential"] = {
            str(tuning): {
                "absolute": _sequential(a, b, "absolute", tuning),
                "relative": _sequential(a, b, "relative", tuning),
            }
            for tuning in TUNINGS
        }
        if covariate:
            xc, xt = c[covariate].to_numpy(float), t[covariate].to_numpy(float)
            x_bin = bool(np.isin(np.r_[xc, xt], (0, 1)).all())
            ra_a, ra_b = _ra(yc, xc, y_bin, x_bin), _ra(yt, xt, y_bin, x_bin)
            case["theta"] = compute_theta(ra_a, ra_b)
            case["cuped"] = {
                "absolute": _fixed(_ra(yc, xc, y_bin, x_bin), _ra(yt, xt, y_bin, x_bin), "absolute"),
                "relative": _fixed(_ra(yc, xc, y_bin, x_bin), _ra(yt, xt, y_bin, x_bin), "relative"),
                "sequential": {
                    "absolute": _sequential(
                        _ra(yc, xc, y_bin, x_bin), _ra(yt, xt, y_bin, x_bin), "absolute", 5000.0
                    ),
                    "relative": _sequential(
                        _ra(yc, xc, y_bin, x_bin), _ra(yt, xt, y_bin, x_bin), "relative", 5000.0
                    ),
                },
            }
        cases.append(case)
    return cases


def power_cases() -> dict:
    means = []
    for std, mde, alpha, power, ratio in (
        (10.0, 1.0, 0.05, 0.8, 1.0),
        (3.5, 0.25, 0.01, 0.9, 1.0),
        (3.5, 0.25, 0.05, 0.8, 2.0),
        (1.0, 0.5, 0.10, 0.8, 0.5),
    ):
        n = NormalIndPower().solve_power(
            effect_size=mde / std, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
        )
        means.append(
            {"std": std, "mde": mde, "alpha": alpha, "power": power, "ratio": ratio, "n_control": float(n)}
        )
    props = []
    for base, mde, alpha, power, ratio in (
        (0.10, 0.02, 0.05, 0.8, 1.0),
        (0.10, 0.02, 0.05, 0.8, 2.0),
        (0.30, -0.05, 0.01, 0.8, 0.5),
        (0.05, 0.01, 0.05, 0.9, 3.0),
    ):
        # sample 1 = control (p1 = baseline), sample 2 = treatment with nobs2 = ratio * nobs1
        n = samplesize_proportions_2indep_onetail(
            base - (base + mde), base + mde, power, ratio=ratio, alpha=alpha, alternative="two-sided"
        )
        props.append(
            {
                "baseline": base,
                "mde": mde,
                "alpha": alpha,
                "power": power,
                "ratio": ratio,
                "n_control": float(n),
            }
        )
    return {"means": means, "proportions": props}


def correction_cases() -> list[dict]:
    cases = []
    for p in (
        [0.01, 0.04, 0.03, 0.2],
        [0.001, 0.5, 0.049, 0.049, 0.8, 0.012],
        [0.3, 0.3],
    ):
        cases.append(
            {
                "p": p,
                "holm": [float(x) for x in multipletests(p, method="holm")[1]],
                "bh": [float(x) for x in multipletests(p, method="fdr_bh")[1]],
            }
        )
    return cases


def main() -> None:
    frame = events()
    frame.to_csv(HERE / "events.csv", index=False)
    frame = pd.read_csv(HERE / "events.csv")  # the numbers come from exactly the committed file
    ref = {
        "versions": {
            "gbstats": version("gbstats"),
            "statsmodels": version("statsmodels"),
            "scipy": version("scipy"),
            "numpy": version("numpy"),
            "pandas": version("pandas"),
            "python": platform.python_version(),
        },
        "gbstats": gbstats_cases(frame),
        "power": power_cases(),
        "corrections": correction_cases(),
    }
    (HERE / "reference.json").write_text(json.dumps(ref, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
