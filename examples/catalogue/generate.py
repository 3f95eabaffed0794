"""Generate the example data the catalogue workflows run on (deterministic: same bytes every run).

    python examples/catalogue/generate.py            # writes examples/catalogue/data/

What it writes, all small enough to commit:

* ``churn_train.csv`` / ``churn_test.csv`` — a churn dataset with a time column
  (``snapshot_date``; the test rows come after the train rows), protected
  attributes (``gender``, ``age_group``), a feature with missing values
  (``last_login_days``), a constant column (``promo_code``), a near-duplicate
  feature (``total_charges_usd``), a leaky one (``retention_offer_accepted``, set
  after the customer asked to cancel) and a date computed from the future for a
  few rows (``last_activity_date`` after ``snapshot_date``);
* ``predictions_baseline.csv`` / ``predictions_candidate.csv`` — per-example
  predictions of two logistic models on the test rows (``y_true``, ``y_pred``,
  ``y_score`` plus the features and protected attributes);
* ``predictions_paired.csv`` — both models' predictions side by side per test row
  (for McNemar / paired bootstrap);
* ``predictions_shifted.csv`` — the candidate on a covariate-shifted copy of the
  test set (higher charges, shorter tenure);
* ``fold_scores.json`` — 5-fold cross-validated accuracy of both models on train;
* ``latency_log.csv`` — per-request serving latency of the candidate;
* ``model_candidate.json`` (the artifact: coefficients), its ``.sha256`` side
  file and ``model_schema.json``; the same for ``model_baseline.json``;
* ``production_log.csv`` / ``shadow_log.csv`` — the same requests scored by the
  production (baseline) and the shadow (candidate) model, with labels and latency;
* ``serving_log.csv`` — the candidate's requests after the rollout (status, latency,
  predictions, labels for half of them), for the post-deployment check.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "data"
SEED = 20260101
N_TRAIN, N_TEST = 1200, 500
CONTRACTS = ("month-to-month", "one-year", "two-year")
PAYMENTS = ("card", "bank-transfer", "electronic-check")
REGIONS = ("north", "south", "east", "west")
AGE_GROUPS = ("18-34", "35-54", "55+")
BASELINE_FEATURES = ("tenure_months", "monthly_charges")
CANDIDATE_FEATURES = (
    "tenure_months",
    "monthly_charges",
    "support_calls",
    "contract_month_to_month",
    "contract_two_year",
    "last_login_days",
    "electronic_check",
)


def _customers(rng: np.random.Generator, n: int, start: date, days: int, first_id: int) -> list[dict]:
    rows = []
    for i in range(n):
        contract = CONTRACTS[rng.choice(3, p=[0.5, 0.3, 0.2])]
        tenure = int(rng.integers(1, 73))
        monthly = round(float(rng.normal(70, 20)).__abs__() + 15, 2)
        support = int(rng.poisson(1.5))
        payment = PAYMENTS[rng.choice(3, p=[0.4, 0.3, 0.3])]
        gender = ("female", "male")[int(rng.integers(0, 2))]
        age_group = AGE_GROUPS[rng.choice(3, p=[0.35, 0.4, 0.25])]
        login = float(rng.exponential(12))
        logit = (
            -1.2
            - 0.045 * tenure
            + 0.022 * (monthly - 70)
            + 0.6 * support
            + (1.6 if contract == "month-to-month" else 0.0)
            - (0.9 if contract == "two-year" else 0.0)
            + 0.04 * login
            + (0.5 if payment == "electronic-check" else 0.0)
            + (0.25 if age_group == "55+" else 0.0)
        )
        churned = int(rng.random() < 1 / (1 + np.exp(-logit)))
        snapshot = start + timedelta(days=int(rng.integers(0, days)))
        activity_gap = int(rng.integers(0, 30))
        # A few churners carry an activity date recorded after the snapshot: computed from the future.
        future = churned and rng.random() < 0.08
        last_activity = (
            snapshot + timedelta(days=activity_gap + 1) if future else snapshot - timedelta(days=activity_gap)
        )
        rows.append(
            {
                "customer_id": first_id + i,
                "snapshot_date": snapshot.isoformat(),
                "last_activity_date": last_activity.isoformat(),
                "tenure_months": tenure,
                "monthly_charges": monthly,
                "total_charges": round(monthly * tenure, 2),
                "total_charges_usd": round(monthly * tenure * 1.0004 + float(rng.normal(0, 2)), 2),
                "support_calls": support,
                "contract_type": contract,
                "payment_method": payment,
                "region": REGIONS[int(rng.integers(0, 4))],
                "gender": gender,
                "age_group": age_group,
                "last_login_days": None if rng.random() < 0.08 else round(login, 1),
                "promo_code": "NONE",
                "retention_offer_accepted": int(churned and rng.random() < 0.99),
                "churned": churned,
            }
        )
    return rows


def _design(rows: list[dict], features: tuple[str, ...], fill: dict[str, float]) -> np.ndarray:
    cols = []
    for name in features:
        if name == "contract_month_to_month":
            cols.append([1.0 if r["contract_type"] == "month-to-month" else 0.0 for r in rows])
        elif name == "contract_two_year":
            cols.append([1.0 if r["contract_type"] == "two-year" else 0.0 for r in rows])
        elif name == "electronic_check":
            cols.append([1.0 if r["payment_method"] == "electronic-check" else 0.0 for r in rows])
        else:
            cols.append([fill[name] if r[name] is None else float(r[name]) for r in rows])
    return np.array(cols, dtype=float).T


def _fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.1) -> dict:
    """Plain gradient descent on standardised inputs: deterministic, no ML library needed."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= lr * (z.T @ (p - y)) / len(y)
        b -= lr * float(np.mean(p - y))
    return {
        "mean": mean.round(6).tolist(),
        "std": std.round(6).tolist(),
        "weights": w.round(6).tolist(),
        "intercept": round(b, 6),
    }


def _score(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["std"])
    return 1 / (1 + np.exp(-(z @ np.array(model["weights"]) + model["intercept"])))


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def _predictions(rows: list[dict], scores: np.ndarray) -> list[dict]:
    out = []
    for r, s in zip(rows, scores, strict=True):
        out.append(
            {
                "customer_id": r["customer_id"],
                "y_true": r["churned"],
                "y_pred": int(s >= 0.5),
                "y_score": round(float(s), 4),
                "gender": r["gender"],
                "age_group": r["age_group"],
                "contract_type": r["contract_type"],
                "tenure_months": r["tenure_months"],
                "monthly_charges": r["monthly_charges"],
                "support_calls": r["support_calls"],
                "last_login_days": r["last_login_days"],
            }
        )
    return out


def _artifact(out: Path, name: str, model: dict, features: tuple[str, ...], version: str) -> None:
    body = {
        "format": "axtui-example-logistic/1",
        "model": name,
        "version": version,
        "features": list(features),
        **model,
    }
    path = out / f"model_{name}.json"
    path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (out / f"model_{name}.json.sha256").write_text(f"{digest}  model_{name}.json\n", encoding="utf-8")
    schema = {
        "input": [{"name": f, "type": "float"} for f in features],
        "output": [{"name": "churn_probability", "type": "float"}, {"name": "churn_label", "type": "int"}],
        "feature_names": list(features),
    }
    (out / f"model_{name}_schema.json").write_text(json.dumps(schema, indent=1) + "\n", encoding="utf-8")


def _cv_accuracy(
    rows: list[dict], features: tuple[str, ...], fill: dict[str, float], k: int = 5
) -> list[float]:
    scores = []
    for fold in range(k):
        train = [r for i, r in enumerate(rows) if i % k != fold]
        test = [r for i, r in enumerate(rows) if i % k == fold]
        model = _fit_logistic(
            _design(train, features, fill), np.array([r["churned"] for r in train], float), steps=800
        )
        pred = _score(model, _design(test, features, fill)) >= 0.5
        scores.append(round(float(np.mean(pred == np.array([r["churned"] for r in test]))), 4))
    return scores


def main(out: Path = OUT) -> None:
    """Write every example file into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    train = _customers(rng, N_TRAIN, date(2025, 1, 1), 300, 1)
    test = _customers(rng, N_TEST, date(2025, 11, 1), 60, N_TRAIN + 1)
    _write_csv(out / "churn_train.csv", train)
    _write_csv(out / "churn_test.csv", test)

    logins = [r["last_login_days"] for r in train if r["last_login_days"] is not None]
    fill = {"last_login_days": round(float(np.median(logins)), 1)}
    y_train = np.array([r["churned"] for r in train], dtype=float)
    baseline = _fit_logistic(_design(train, BASELINE_FEATURES, fill), y_train)
    candidate = _fit_logistic(_design(train, CANDIDATE_FEATURES, fill), y_train)
    _artifact(out, "baseline", baseline, BASELINE_FEATURES, "1.0.0")
    _artifact(out, "candidate", candidate, CANDIDATE_FEATURES, "2.0.0")

    base_scores = _score(baseline, _design(test, BASELINE_FEATURES, fill))
    cand_scores = _score(candidate, _design(test, CANDIDATE_FEATURES, fill))
    _write_csv(out / "predictions_baseline.csv", _predictions(test, base_scores))
    _write_csv(out / "predictions_candidate.csv", _predictions(test, cand_scores))
    paired = [
        {
            "customer_id": r["customer_id"],
            "y_true": r["churned"],
            "baseline_pred": int(b >= 0.5),
            "candidate_pred": int(c >= 0.5),
            "baseline_score": round(float(b), 4),
            "candidate_score": round(float(c), 4),
        }
        for r, b, c in zip(test, base_scores, cand_scores, strict=True)
    ]
    _write_csv(out / "predictions_paired.csv", paired)

    shifted = [
        dict(
            r,
            monthly_charges=round(r["monthly_charges"] * 1.3 + 10, 2),
            tenure_months=max(1, r["tenure_months"] // 2),
        )
        for r in test
    ]
    _write_csv(
        out / "predictions_shifted.csv",
        _predictions(shifted, _score(candidate, _design(shifted, CANDIDATE_FEATURES, fill))),
    )

    folds = {
        "baseline": _cv_accuracy(train, BASELINE_FEATURES, fill),
        "candidate": _cv_accuracy(train, CANDIDATE_FEATURES, fill),
        "metric": "accuracy",
    }
    (out / "fold_scores.json").write_text(json.dumps(folds, indent=1) + "\n", encoding="utf-8")

    lat_rng = np.random.default_rng(SEED + 1)
    latency = [
        {
            "request_id": f"r{i:04d}",
            "latency_ms": round(float(v), 2),
            "batch_size": int(lat_rng.choice([1, 1, 1, 8, 32])),
        }
        for i, v in enumerate(lat_rng.lognormal(np.log(18), 0.35, 600))
    ]
    _write_csv(out / "latency_log.csv", latency)

    prod_lat = lat_rng.lognormal(np.log(20), 0.3, N_TEST)
    shadow_lat = lat_rng.lognormal(np.log(23), 0.3, N_TEST)
    production_log, shadow_log = [], []
    for i, r in enumerate(test):
        rid = f"q{r['customer_id']:05d}"
        production_log.append(
            {
                "request_id": rid,
                "prediction": int(base_scores[i] >= 0.5),
                "score": round(float(base_scores[i]), 4),
                "label": r["churned"],
                "latency_ms": round(float(prod_lat[i]), 2),
            }
        )
        # The shadow log misses a few requests (mirroring is best effort) and has no labels.
        if i % 50 != 7:
            shadow_log.append(
                {
                    "request_id": rid,
                    "prediction": int(cand_scores[i] >= 0.5),
                    "score": round(float(cand_scores[i]), 4),
                    "latency_ms": round(float(shadow_lat[i]), 2),
                }
            )
    _write_csv(out / "production_log.csv", production_log)
    _write_csv(out / "shadow_log.csv", shadow_log)

    # After the rollout the candidate serves everything: two failed requests in 400, labels for half.
    served_lat = lat_rng.lognormal(np.log(22), 0.3, N_TEST)
    serving_log = []
    for i, r in enumerate(test):
        failed = i in (113, 301)
        serving_log.append(
            {
                "request_id": f"s{r['customer_id']:05d}",
                "status": "error" if failed else "ok",
                "prediction": None if failed else int(cand_scores[i] >= 0.5),
                "score": None if failed else round(float(cand_scores[i]), 4),
                "label": r["churned"] if i % 2 == 0 else None,
                "latency_ms": round(float(served_lat[i]), 2),
            }
        )
    _write_csv(out / "serving_log.csv", serving_log)


if __name__ == "__main__":
    main()
