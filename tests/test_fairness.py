"""Group fairness (§8.3) against fairlearn reference numbers, and its edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.errors import InputError
from axtui.stats import fairness as fx

DATA = Path(__file__).parent / "data" / "stats"
REFERENCE = json.loads((DATA / "reference.json").read_text())["fairness"]
BINARY = DATA / "eval_binary.csv"


def test_matches_fairlearn_metricframe_and_summaries() -> None:
    out = fx.fairness(BINARY, y_true="y_true", y_pred="y_pred", group_col="group")
    for group, ref in REFERENCE["by_group"].items():
        mine = out["groups"][group]
        for key in ("selection_rate", "tpr", "fpr", "accuracy"):
            assert mine[key] == pytest.approx(ref[key], rel=1e-9), (group, key)
    for key in (
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equal_opportunity_difference",
    ):
        assert out[key] == pytest.approx(REFERENCE[key], rel=1e-9), key
    assert out["four_fifths"] == "FAIL"  # ratio 0.448
    assert set(out["groups"]["a"]) >= {"count", "selection_rate", "tpr", "fpr", "accuracy"}
    assert out["lowest_selection_group"] == "b" and out["highest_selection_group"] == "c"


def test_calibration_by_group_hand_checked() -> None:
    frame = pl.DataFrame(
        {
            "y": [1, 0, 1, 1, 0, 0],
            "p": [1, 0, 1, 0, 0, 1],
            "s": [0.9, 0.2, 0.7, 0.4, 0.1, 0.6],
            "g": ["x", "x", "x", "y", "y", "y"],
        }
    )
    out = fx.fairness(frame, y_true="y", y_pred="p", group_col="g", y_score="s")
    x = out["groups"]["x"]
    assert x["mean_score"] == pytest.approx(0.6)
    assert x["positive_rate"] == pytest.approx(2 / 3)
    assert x["calibration_gap"] == pytest.approx(0.6 - 2 / 3)
    assert out["max_calibration_gap"] == pytest.approx(max(abs(0.6 - 2 / 3), abs(1.1 / 3 - 1 / 3)))


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (1.0, "PASS"),
        (0.8, "PASS"),
        (0.7999, "WARNING"),
        (0.7, "WARNING"),
        (0.6999, "FAIL"),
        (0.0, "FAIL"),
        (None, None),
    ],
)
def test_four_fifths_bands(ratio: float | None, verdict: str | None) -> None:
    assert fx.four_fifths(ratio) == verdict


def test_group_without_positives_is_null_with_note_not_a_crash() -> None:
    frame = pl.DataFrame(
        {"y": [1, 0, 1, 0, 0, 0], "p": [1, 0, 0, 1, 0, 1], "g": ["a", "a", "a", "b", "b", "b"]}
    )
    out = fx.fairness(frame, y_true="y", y_pred="p", group_col="g")
    assert out["groups"]["b"]["tpr"] is None
    assert out["groups"]["b"]["fpr"] == pytest.approx(2 / 3)
    assert any("group 'b' has no positives" in n for n in out["notes"])
    assert out["equal_opportunity_difference"] is None  # only one group has a TPR
    assert out["equalized_odds_difference"] == pytest.approx(abs(2 / 3 - 0.0))  # FPR gap
    json.dumps(out, allow_nan=False)


def test_single_group_is_an_input_error_naming_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "one_group.csv"
    pl.DataFrame({"y": [0, 1], "p": [0, 1], "sex": ["f", "f"]}).write_csv(path)
    with pytest.raises(InputError, match="single group") as err:
        fx.fairness(path, y_true="y", y_pred="p", group_col="sex")
    assert err.value.where == f"{path}: column sex"


def test_missing_group_values_form_their_own_group() -> None:
    frame = pl.DataFrame({"y": [1, 0, 1, 0], "p": [1, 0, 0, 0], "g": ["a", None, "a", None]})
    out = fx.fairness(frame, y_true="y", y_pred="p", group_col="g")
    assert set(out["groups"]) == {"a", fx.MISSING_GROUP}


def test_no_group_selected_makes_the_ratio_undefined() -> None:
    frame = pl.DataFrame({"y": [1, 0, 1, 0], "p": [0, 0, 0, 0], "g": ["a", "a", "b", "b"]})
    out = fx.fairness(frame, y_true="y", y_pred="p", group_col="g")
    assert out["demographic_parity_ratio"] is None and out["four_fifths"] is None
    assert out["demographic_parity_difference"] == 0.0


def test_string_labels_with_positive_label() -> None:
    frame = pl.DataFrame(
        {"y": ["yes", "no", "yes", "no"], "p": ["yes", "yes", "no", "no"], "g": ["a", "a", "b", "b"]}
    )
    out = fx.fairness(frame, y_true="y", y_pred="p", group_col="g", positive_label="yes")
    assert out["groups"]["a"]["selection_rate"] == 1.0 and out["groups"]["b"]["selection_rate"] == 0.0
    with pytest.raises(InputError, match="labels outside") as err:
        fx.fairness(frame, y_true="y", y_pred="p", group_col="g")
    assert err.value.where == "<data>: column y"


def test_scores_outside_unit_interval_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    pl.DataFrame({"y": [0, 1], "p": [0, 1], "g": ["a", "b"], "s": [0.5, 2.0]}).write_csv(path)
    with pytest.raises(InputError, match="outside") as err:
        fx.fairness(path, y_true="y", y_pred="p", group_col="g", y_score="s")
    assert err.value.where == f"{path}: column s"
    with pytest.raises(InputError, match="column 'race' does not exist"):
        fx.fairness(path, y_true="y", y_pred="p", group_col="race")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("abc")), min_size=2, max_size=60)
)
def test_fairness_invariants(rows: list[tuple[int, int, str]]) -> None:
    groups = [r[2] for r in rows]
    if len(set(groups)) < 2:
        with pytest.raises(InputError):
            fx.fairness_arrays(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), groups)
        return
    out = fx.fairness_arrays(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), groups)
    ratio = out["demographic_parity_ratio"]
    assert ratio is None or 0.0 <= ratio <= 1.0
    assert 0.0 <= out["demographic_parity_difference"] <= 1.0
    if out["equal_opportunity_difference"] is not None:
        assert out["equalized_odds_difference"] >= out["equal_opportunity_difference"]
    assert sum(g["count"] for g in out["groups"].values()) == len(rows)
