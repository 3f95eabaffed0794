"""Produce tests/data/drift/evidently_*.parquet and evidently_reference.json with real Evidently.

Run with a side environment that has Evidently (never the project's venv):
    /work/peers-venv-drift/bin/python tests/data/drift/make_evidently_reference.py
The test suite only reads the committed files; it never needs Evidently.
"""

import json
import sys
from pathlib import Path

import evidently
import numpy as np
import pandas as pd
from evidently.metric_preset import DataDriftPreset
from evidently.report import Report

HERE = Path(__file__).parent
rng = np.random.default_rng(7)
CATS = np.array(["red", "green", "blue", "black"])


def small(n: int, shift: float) -> pd.DataFrame:
    """Reference of at most 1000 rows: KS, chi-square and Z tests."""
    num = rng.normal(shift, 1.0, n)
    num_nulls = num.copy()
    num_nulls[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "num_cont": num,
            "num_nulls": num_nulls,
            "num_few": rng.integers(0, 4 if shift == 0 else 5, n),  # 4-5 values: chi-square
            "num_binary": (rng.random(n) < 0.3 + shift / 4).astype("int64"),  # 2 values: Z test
            "cat_many": CATS[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1] if shift == 0 else [0.25] * 4)],
            "cat_binary": np.where(rng.random(n) < 0.5 + shift / 5, "yes", "no"),
            "flag": rng.random(n) < 0.6,
            "target": rng.integers(0, 3, n),  # Evidently's default target column: 3 values -> categorical
            "prediction": rng.random(n) * (1 - shift / 4),  # scores in [0, 1] -> numerical
        }
    )


def large(n: int, shift: float) -> pd.DataFrame:
    """Reference above 1000 rows: Wasserstein and Jensen-Shannon."""
    base = rng.normal(10 + shift, 2 + shift, n)
    return pd.DataFrame(
        {
            "num_cont": base,
            "num_small_drift": rng.normal(shift * 0.05, 1, n),
            "num_int_wide": rng.integers(0, 50, n) + (shift * 3 if shift else 0),
            "num_int_15": rng.integers(0, 15, n),  # 6..20 values: wasserstein by default, keys for psi/JS
            "num_few": rng.integers(0, 3, n),  # <= 5 values: Jensen-Shannon on the values
            "cat_many": CATS[
                rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1] if shift == 0 else [0.3, 0.3, 0.2, 0.2])
            ],
            "cat_new": np.where(rng.random(n) < 0.05 * shift, "new", CATS[rng.choice(3, n)]),
        }
    )


def run(ref: pd.DataFrame, cur: pd.DataFrame, stattest: str | None) -> dict:
    report = Report(metrics=[DataDriftPreset(stattest=stattest)])
    report.run(reference_data=ref, current_data=cur)
    result = report.as_dict()
    dataset = result["metrics"][0]["result"]
    table = result["metrics"][1]["result"]
    return {
        "stattest": stattest,
        "columns": [
            {
                "name": name,
                "column_type": col["column_type"],
                "stattest_name": col["stattest_name"],
                "threshold": col["stattest_threshold"],
                "score": col["drift_score"],
                "drift_detected": col["drift_detected"],
            }
            for name, col in table["drift_by_columns"].items()
        ],
        "dataset": {
            "drifted_count": dataset["number_of_drifted_columns"],
            "drifted_share": dataset["share_of_drifted_columns"],
            "dataset_drift": dataset["dataset_drift"],
        },
    }


def main() -> None:
    sets = {
        "small": (small(600, 0.0), small(450, 0.4)),
        "large": (large(3000, 0.0), large(2500, 1.0)),
    }
    cases = []
    for name, (ref, cur) in sets.items():
        ref.to_parquet(HERE / f"evidently_{name}_reference.parquet", index=False)
        cur.to_parquet(HERE / f"evidently_{name}_current.parquet", index=False)
        # read back what was written, so Evidently sees exactly the committed bytes
        ref = pd.read_parquet(HERE / f"evidently_{name}_reference.parquet")
        cur = pd.read_parquet(HERE / f"evidently_{name}_current.parquet")
        cases.append({"data": name, **run(ref, cur, None)})
        if name == "large":
            cases.append({"data": name, **run(ref, cur, "psi")})
            cases.append({"data": name, **run(ref, cur, "jensenshannon")})
    out = {
        "tool": f"evidently {evidently.__version__}",
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "preset": "DataDriftPreset (default ColumnMapping)",
        "cases": cases,
    }
    (HERE / "evidently_reference.json").write_text(json.dumps(out, indent=1) + "\n")
    for case in cases:
        print(case["data"], case["stattest"], case["dataset"])
        for col in case["columns"]:
            print("   ", col)


if __name__ == "__main__":
    main()
