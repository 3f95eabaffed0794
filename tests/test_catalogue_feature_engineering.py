"""ml-feature-engineering headless: profile, seed selection criteria on the profile, definitions stored."""

from __future__ import annotations

import pytest

from axtui.core.store import Store
from axtui.errors import InputError
from axtui.stats.feature_selection import select_features
from tests.catalogue_support import REPO, entry, example_inputs, run_headless, step_statuses, ttl_seconds

WF = "ml-feature-engineering"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_runs_headless_and_stores_the_feature_set(store: Store) -> None:
    session = run_headless(store, WF, example_inputs(WF))
    assert session.status == "completed"
    statuses = step_statuses(store, session.id)
    assert set(statuses.values()) == {"done"}
    for seed_step in (
        "feature-ideation",
        "feature-implementation",
        "feature-validation",
        "feature-selection",
        "store-feature-definitions",
    ):
        assert statuses[seed_step] == "done"
    found = entry(store, "ml-feature-store", "churn-features/2.0.0")
    assert ttl_seconds(found) is None  # ml-feature-store is permanent
    value = found.value
    assert value["target_variable"] == "churned"
    names = [f["name"] for f in value["features"]]
    removed = {r["name"]: r["reasons"] for r in value["selection_summary"]["removed"]}
    # each of the seed's criteria fired on the generated data
    assert "data leakage risk DANGEROUS" in removed["retention_offer_accepted"]
    assert "near-zero variance (constant)" in removed["promo_code"]
    assert any("future" in r for r in removed["last_activity_date"])
    assert any("highly correlated" in r for r in removed["total_charges"])
    assert removed["customer_id"] == ["identifier, not a feature"]
    assert "gender" in names  # kept for domain importance despite its low association
    assert names[0] == "tenure_months"
    assert [f["importance_rank"] for f in value["features"]] == list(range(1, len(names) + 1))
    login = next(f for f in value["features"] if f["name"] == "last_login_days")
    assert (
        login["missing_strategy"] == "fill_median"
        and login["computation"] == "snapshot_date - last_login_date"
    )
    summary = value["selection_summary"]
    assert summary["total_candidates"] == 15 and summary["selected_count"] == len(names)
    assert value["validation_results"]["leakage_check"] == "DANGEROUS"
    assert value["validation_results"]["selected_leakage_check"] == "SAFE"
    assert value["validation_results"]["future_data"]["future_rows"] > 0
    assert value["validation_results"]["quality_scores"]["promo_code"] == 1


def test_time_column_that_does_not_parse(store: Store) -> None:
    with pytest.raises(InputError) as info:
        run_headless(store, WF, dict(example_inputs(WF), time_col="region"))
    assert "does not parse" in info.value.message and "region" in (info.value.where or "")
    assert store.query("SELECT count(*) FROM memory_entries WHERE namespace = 'ml-feature-store'")[0][0] == 0


def _col(name: str, **kw) -> dict:
    base = {
        "name": name,
        "kind": "numeric",
        "dtype": "Float64",
        "missing_rate": 0.0,
        "missing_flag": False,
        "constant": False,
        "high_cardinality": False,
        "skewed": False,
        "outlier_share": 0.0,
        "leakage_risk": "SAFE",
        "target_association": {"strength": 0.5},
    }
    return {**base, **kw}


def test_selection_criteria_on_a_hand_made_profile() -> None:
    cols = [
        _col("y"),
        _col("a", target_association={"strength": 0.9}),
        _col("b", target_association={"strength": 0.8}),
        _col("mostly_missing", missing_rate=0.7, missing_flag=True),
        *[_col(f"f{i}", target_association={"strength": 0.1 + i / 100}) for i in range(8)],
        _col("weak", target_association={"strength": 0.01}),
    ]
    profile = {"columns": cols, "target": "y", "correlated_pairs": [{"a": "a", "b": "b", "pearson": 0.97}]}
    result = select_features(profile)
    removed = {r["name"]: r["reasons"] for r in result["removed"]}
    assert "b" in removed and "a" not in removed  # the weaker of the correlated pair goes
    assert removed["mostly_missing"] == ["missing rate 70% > 50%"]
    assert "weak" in removed and "low importance" in removed["weak"][0]
    assert result["total_candidates"] == 12
    assert result["selected_names"][0] == "a"
    with pytest.raises(InputError):
        select_features({"columns": cols, "target": "y"}, domain_keep=["nope"])
    with pytest.raises(InputError):
        select_features({})
