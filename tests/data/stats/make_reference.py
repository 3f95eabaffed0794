"""Regenerate the stats test data and the peer-tool reference numbers.

Run once in a side environment that has scikit-learn, fairlearn, statsmodels and pandas
(never in the project's venv; the test suite only reads the committed JSON):

    /work/peers-venv-stats/bin/python tests/data/stats/make_reference.py

Writes the CSV inputs and reference.json (numbers plus the tool versions that produced them).
"""

from __future__ import annotations

import json
from pathlib import Path

import fairlearn
import numpy as np
import pandas as pd
import scipy
import sklearn
import statsmodels
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn import metrics as skm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

HERE = Path(__file__).parent


def binary_data() -> pd.DataFrame:
    rng = np.random.default_rng(20251122)
    n = 300
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.where(group == "a", 0.4, np.where(group == "b", 0.3, 0.5))).astype(int)
    score = np.clip(0.35 * y + rng.normal(0.35, 0.2, n) + np.where(group == "b", -0.08, 0.0), 0, 1)
    score = np.round(score, 3)  # ties on purpose: ROC/PR tie handling must match
    latency = np.round(rng.gamma(4.0, 10.0, n), 2)
    ts = pd.Timestamp("2025-01-01T00:00:00") + pd.to_timedelta(np.sort(rng.uniform(0, 120, n)), unit="s")
    return pd.DataFrame(
        {
            "y_true": y,
            "y_score": score,
            "y_pred": (score >= 0.5).astype(int),
            "group": group,
            "latency_ms": latency,
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        }
    )


def multiclass_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 150
    labels = np.array(["bird", "cat", "dog"])
    y = rng.choice(labels, size=n, p=[0.2, 0.5, 0.3])
    pred = np.where(rng.random(n) < 0.7, y, rng.choice(labels, size=n))
    return pd.DataFrame({"label": y, "predicted": pred})


def regression_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 120
    y = np.round(rng.normal(50, 15, n), 3)
    pred = np.round(y + rng.normal(0, 5, n), 3)
    return pd.DataFrame({"target": y, "prediction": pred})


def main() -> None:
    ref: dict = {
        "versions": {
            "scikit-learn": sklearn.__version__,
            "fairlearn": fairlearn.__version__,
            "statsmodels": statsmodels.__version__,
            "scipy": scipy.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        }
    }
    b = binary_data()
    b.to_csv(HERE / "eval_binary.csv", index=False)
    y, p, s = b["y_true"].to_numpy(), b["y_pred"].to_numpy(), b["y_score"].to_numpy()
    ref["binary"] = {
        "accuracy": skm.accuracy_score(y, p),
        "precision": skm.precision_score(y, p),
        "recall": skm.recall_score(y, p),
        "f1": skm.f1_score(y, p),
        **{
            f"{k}_{avg}": fn(y, p, average=avg)
            for k, fn in (
                ("precision", skm.precision_score),
                ("recall", skm.recall_score),
                ("f1", skm.f1_score),
            )
            for avg in ("macro", "micro", "weighted")
        },
        "roc_auc": skm.roc_auc_score(y, s),
        "pr_auc": skm.average_precision_score(y, s),
        "log_loss": skm.log_loss(y, s),
        "confusion_matrix": skm.confusion_matrix(y, p).tolist(),
    }
    mf = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "accuracy": skm.accuracy_score,
        },
        y_true=y,
        y_pred=p,
        sensitive_features=b["group"],
    )
    ref["fairness"] = {
        "by_group": {g: {k: float(v) for k, v in row.items()} for g, row in mf.by_group.iterrows()},
        "demographic_parity_difference": demographic_parity_difference(y, p, sensitive_features=b["group"]),
        "demographic_parity_ratio": demographic_parity_ratio(y, p, sensitive_features=b["group"]),
        "equalized_odds_difference": equalized_odds_difference(y, p, sensitive_features=b["group"]),
        "equal_opportunity_difference": float(mf.by_group["tpr"].max() - mf.by_group["tpr"].min()),
    }
    # Discrete mutual information (nats) of a categorical feature with the 0/1 target.
    ref["mutual_information"] = {"group_vs_y_true": skm.mutual_info_score(b["group"], y)}
    m = multiclass_data()
    m.to_csv(HERE / "eval_multiclass.csv", index=False)
    yt, yp = m["label"], m["predicted"]
    pr, rc, f1, sup = skm.precision_recall_fscore_support(yt, yp, labels=["bird", "cat", "dog"])
    ref["multiclass"] = {
        "accuracy": skm.accuracy_score(yt, yp),
        **{
            f"{k}_{avg}": fn(yt, yp, average=avg)
            for k, fn in (
                ("precision", skm.precision_score),
                ("recall", skm.recall_score),
                ("f1", skm.f1_score),
            )
            for avg in ("macro", "micro", "weighted")
        },
        "confusion_matrix": skm.confusion_matrix(yt, yp, labels=["bird", "cat", "dog"]).tolist(),
        "per_class": {
            "precision": pr.tolist(),
            "recall": rc.tolist(),
            "f1": f1.tolist(),
            "support": sup.tolist(),
        },
    }
    r = regression_data()
    r.to_csv(HERE / "eval_regression.csv", index=False)
    yt, yp = r["target"].to_numpy(), r["prediction"].to_numpy()
    ref["regression"] = {
        "mse": skm.mean_squared_error(yt, yp),
        "rmse": skm.root_mean_squared_error(yt, yp),
        "mae": skm.mean_absolute_error(yt, yp),
        "r2": skm.r2_score(yt, yp),
        "mape": skm.mean_absolute_percentage_error(yt, yp),
    }
    # Sample sizes where statsmodels' definition coincides with docs/reference/statistics.md:
    # samplesize_proportions_2indep_onetail is the same closed form (pooled SD under H0, unpooled
    # under H1, far tail ignored); NormalIndPower with effect size d = mde/std, alternative "larger"
    # at alpha/2, is n = (z_{1-a/2} + z_{1-b})^2 * 2 / d^2, the §8.2-style means formula.
    sizes = []
    for base, mde, alpha, power in (
        (0.10, 0.02, 0.05, 0.8),
        (0.05, 0.01, 0.05, 0.9),
        (0.30, -0.05, 0.01, 0.8),
        (0.50, 0.10, 0.10, 0.8),
    ):
        n = samplesize_proportions_2indep_onetail(
            mde, base, power, ratio=1, alpha=alpha, alternative="two-sided"
        )
        sizes.append({"baseline": base, "mde": mde, "alpha": alpha, "power": power, "n_exact": float(n)})
    ref["sample_size_proportions"] = sizes
    means = []
    for std, mde, alpha, power in ((10.0, 1.0, 0.05, 0.8), (3.5, 0.25, 0.01, 0.9)):
        n = NormalIndPower().solve_power(
            effect_size=mde / std, alpha=alpha / 2, power=power, ratio=1, alternative="larger"
        )
        means.append({"std": std, "mde": mde, "alpha": alpha, "power": power, "n_exact": float(n)})
    ref["sample_size_means"] = means
    (HERE / "reference.json").write_text(json.dumps(ref, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
