"""The feature-engineering seed's selection criteria, applied to a computed feature profile.

The seed lists the criteria and asks a persona to apply them. Here they are
applied to ``axtui.stats.features.validate_features`` output, in this order:

Remove a feature when it is
1. an identifier (``id`` or a name ending in ``_id``) or listed in ``exclude``;
2. at risk of data leakage: leakage risk DANGEROUS or WARNING, or a timestamp
   column holding values from the future of the row's time;
3. near-zero variance (constant);
4. missing in more than 50% of rows;
5. highly correlated (|r| > 0.95) with a feature that is kept: of each pair the
   one with the weaker target association goes;
6. of low importance: in the bottom 10% of importance among the candidates left
   (importance = the given ``importance`` scores, else the target association
   strength), unless listed in ``domain_keep``.

Keep the rest, ranked by importance (high target correlation first).

Quality score per feature (1-10): 10, minus up to 5 for missing values
(10 × missing rate, rounded), 2 for high cardinality, 1 if skewed, 1 if more
than 5% outliers, 3 for a leakage WARNING; 1 for a DANGEROUS or constant feature.
"""

from __future__ import annotations

import math
from typing import Any

from axtui.errors import InputError

BOTTOM_SHARE = 0.10


def _is_identifier(name: str) -> bool:
    lower = name.lower()
    return lower == "id" or lower.endswith("_id")


def quality_score(col: dict[str, Any]) -> int:
    if col.get("constant") or col.get("leakage_risk") == "DANGEROUS":
        return 1
    score = 10.0
    score -= min(5, round(10 * float(col.get("missing_rate") or 0.0)))
    if col.get("high_cardinality"):
        score -= 2
    if col.get("skewed"):
        score -= 1
    if (col.get("outlier_share") or 0) > 0.05:
        score -= 1
    if col.get("leakage_risk") == "WARNING":
        score -= 3
    return int(max(1, score))


def _strength(col: dict[str, Any]) -> float:
    assoc = col.get("target_association") or {}
    value = assoc.get("strength")
    return float(value) if value is not None and math.isfinite(float(value)) else 0.0


def _missing_strategy(col: dict[str, Any]) -> str:
    if not col.get("missing_rate"):
        return "none"
    return "fill_median" if col.get("kind") == "numeric" else "fill_mode"


def select_features(
    profile: dict[str, Any],
    *,
    importance: dict[str, float] | None = None,
    domain_keep: list[str] | None = None,
    exclude: list[str] | None = None,
    notes: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Apply the criteria; return the kept features ranked, the removed ones with reasons, and scores."""
    columns = profile.get("columns")
    if not isinstance(columns, list) or not columns:
        raise InputError(
            "feature_selection needs a feature profile (the output of the features computation)",
            where="feature_selection: profile",
            hint="run compute `features` first and pass its result",
        )
    target = profile.get("target")
    future = profile.get("future_data") or {}
    time_col = future.get("time_col")
    future_cols = {c for c, n in (future.get("by_column") or {}).items() if n}
    exclude_set = set(exclude or [])
    keep_set = set(domain_keep or [])
    importance = {str(k): float(v) for k, v in (importance or {}).items()}
    notes = notes or {}
    by_name = {c["name"]: c for c in columns}
    for name in [*keep_set, *exclude_set, *importance]:
        if name not in by_name:
            raise InputError(
                f"feature {name!r} is not in the profiled data",
                where="feature_selection",
                hint="profiled columns: " + ", ".join(by_name),
            )
    removed: dict[str, list[str]] = {}
    candidates = [c["name"] for c in columns if c["name"] not in (target, time_col)]

    def drop(name: str, reason: str) -> None:
        removed.setdefault(name, []).append(reason)

    for name in candidates:
        col = by_name[name]
        if name in exclude_set:
            drop(name, "excluded by the user")
        elif _is_identifier(name):
            drop(name, "identifier, not a feature")
        if col.get("leakage_risk") in ("DANGEROUS", "WARNING"):
            drop(name, f"data leakage risk {col['leakage_risk']}")
        if name in future_cols:
            drop(name, f"{future['by_column'][name]} row(s) hold values from the future of {time_col}")
        if col.get("constant"):
            drop(name, "near-zero variance (constant)")
        if col.get("missing_flag"):
            drop(name, f"missing rate {col['missing_rate']:.0%} > 50%")

    def score(name: str) -> float:
        return importance.get(name, _strength(by_name[name]))

    for pair in sorted(profile.get("correlated_pairs") or [], key=lambda p: -abs(p.get("pearson") or 0)):
        a, b = pair["a"], pair["b"]
        if a in removed or b in removed:
            continue
        weaker, stronger = (a, b) if score(a) < score(b) else (b, a)
        if weaker in keep_set and stronger not in keep_set:
            weaker, stronger = stronger, weaker
        drop(weaker, f"highly correlated with {stronger} (|r| = {abs(pair['pearson']):.3f} > 0.95)")

    remaining = [n for n in candidates if n not in removed]
    if remaining:
        ordered = sorted(remaining, key=score)
        n_bottom = math.floor(len(remaining) * BOTTOM_SHARE)
        for name in ordered[:n_bottom]:
            if name not in keep_set:
                drop(name, f"low importance (bottom 10%, {score(name):.3f})")
    selected_names = sorted((n for n in candidates if n not in removed), key=lambda n: (-score(n), n))
    selected = []
    for rank, name in enumerate(selected_names, start=1):
        col = by_name[name]
        why = [f"target association {_strength(col):.3f}"]
        if name in importance:
            why = [f"importance {importance[name]:.3f}"]
        if name in keep_set:
            why.append("domain importance")
        selected.append(
            {"name": name, "importance_rank": rank, "importance": score(name), "rationale": "; ".join(why)}
        )
    definitions = []
    for item in selected:
        col = by_name[item["name"]]
        note = notes.get(item["name"], {})
        definitions.append(
            {
                "name": item["name"],
                "description": note.get("description") or f"raw column {item['name']} ({col.get('kind')})",
                "dtype": col.get("dtype"),
                "computation": note.get("computation") or f"df[{item['name']!r}]",
                "missing_strategy": note.get("missing_strategy") or _missing_strategy(col),
                "importance_rank": item["importance_rank"],
            }
        )
    risks = [by_name[n].get("leakage_risk") for n in candidates]
    leakage_status = (
        "DANGEROUS" if "DANGEROUS" in risks else ("WARNING" if "WARNING" in risks or future_cols else "SAFE")
    )
    return {
        "selected": selected,
        "selected_names": selected_names,
        "removed": [{"name": n, "reasons": r} for n, r in removed.items()],
        "total_candidates": len(candidates),
        "selected_count": len(selected),
        "selection_method": "seed criteria on the computed profile (identifier, leakage, future data, "
        "constant, >50% missing, |r| > 0.95, bottom 10% importance); ranked by "
        + ("given importance" if importance else "target association strength"),
        "quality_scores": {n: quality_score(by_name[n]) for n in candidates},
        "leakage_status": leakage_status,
        "selected_leakage_status": "SAFE"
        if all(
            by_name[n].get("leakage_risk") in (None, "SAFE") and n not in future_cols for n in selected_names
        )
        else "WARNING",
        "feature_definitions": definitions,
    }
