"""Generate the small example data files for ml-ab-testing and ml-model-monitoring (deterministic).

Run from anywhere: ``python examples/generate.py``. The outputs are committed; re-running
rewrites identical files (fixed seeds, fixed row counts, fixed float formatting).
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def ab_events(n_per_arm: int = 2000, seed: int = 7) -> None:
    """Users randomised to control/treatment: conversion (+2.5 points for treatment), revenue, latency."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    uid = 0
    for variant, p_convert, latency_mu in (("control", 0.100, 120.0), ("treatment", 0.125, 122.0)):
        for _ in range(n_per_arm):
            uid += 1
            converted = 1 if rng.random() < p_convert else 0
            revenue = round(rng.lognormvariate(3.0, 0.5), 2) if converted else 0.0
            latency = round(max(5.0, rng.gauss(latency_mu, 15.0)), 1)
            rows.append([f"u{uid:05d}", variant, converted, revenue, latency])
    rng.shuffle(rows)
    _write(DATA / "ab_events.csv", ["user_id", "variant", "converted", "revenue", "latency_ms"], rows)


def _monitoring_rows(rng: random.Random, n: int, shift: float) -> list[list[object]]:
    rows: list[list[object]] = []
    plans = ["basic", "plus", "pro"]
    for i in range(n):
        tenure = max(0.0, rng.gauss(24.0 - 6.0 * shift, 10.0))
        spend = max(1.0, rng.gauss(60.0 + 15.0 * shift, 20.0))
        calls = max(0, int(rng.gauss(2.0 + 1.5 * shift, 1.5)))
        weights = [0.5 - 0.15 * shift, 0.3, 0.2 + 0.15 * shift]
        plan = rng.choices(plans, weights=weights)[0]
        logit = -1.0 - 0.05 * tenure + 0.02 * spend + 0.35 * calls + (0.4 if plan == "basic" else 0.0)
        # the world changed: churn now follows causes the model never saw (concept drift)
        true_logit = logit + shift * rng.gauss(0.0, 3.0)
        p_true = 1.0 / (1.0 + math.exp(-true_logit))
        churned = 1 if rng.random() < p_true else 0
        score = 1.0 / (1.0 + math.exp(-logit))
        rows.append(
            [
                f"c{i:05d}",
                round(tenure, 2),
                round(spend, 2),
                calls,
                plan,
                round(score, 4),
                1 if score >= 0.5 else 0,
                churned,
            ]
        )
    return rows


def monitoring(n: int = 1500) -> None:
    """Training-time reference and a drifted production window, with predictions and ground truth."""
    header = [
        "customer_id",
        "tenure_months",
        "monthly_spend",
        "support_calls",
        "plan",
        "churn_score",
        "predicted",
        "churned",
    ]
    _write(DATA / "monitoring_reference.csv", header, _monitoring_rows(random.Random(11), n, 0.0))
    _write(DATA / "monitoring_current.csv", header, _monitoring_rows(random.Random(12), n, 1.0))


if __name__ == "__main__":
    ab_events()
    monitoring()
    for path in sorted(DATA.glob("*.csv")):
        print(f"{path.relative_to(HERE.parent)}: {path.stat().st_size} bytes")
