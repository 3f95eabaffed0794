"""Feature computes: validation of a feature table and the feature-engineering selection."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import ComputeContext, compute


@compute("features")
def features(
    data: str,
    target: str | None = None,
    time_col: str | None = None,
    reference: str | None = None,
    feature_time_cols: list[Any] | None = None,
    *,
    ctx: ComputeContext,
) -> dict[str, Any]:
    """Feature validation: quality, correlation, leakage, future data (docs/reference/statistics.md).

    Columns done are reported through ``ctx.progress``."""
    from axtui.stats.features import validate_features

    return validate_features(
        data,
        target=target,
        time_col=time_col,
        reference=reference,
        feature_time_cols=feature_time_cols,
        progress=ctx.progress,
    )


@compute("feature_selection")
def feature_selection(
    profile: dict[str, Any],
    importance: dict[str, Any] | None = None,
    domain_keep: list[str] | None = None,
    exclude: list[str] | None = None,
    notes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The feature-engineering seed's selection criteria applied to a `features` profile."""
    from axtui.stats.feature_selection import select_features

    out = select_features(
        profile,
        importance=importance or None,
        domain_keep=domain_keep or None,
        exclude=exclude or None,
        notes=notes or None,
    )
    table = ["| Feature | Importance Rank | Rationale |", "|---------|-----------------|-----------|"]
    table += [f"| {s['name']} | {s['importance_rank']} | {s['rationale']} |" for s in out["selected"]]
    removed = "\n".join(f"- **{r['name']}**: {'; '.join(r['reasons'])}" for r in out["removed"])
    return {
        **out,
        "removed_markdown": removed or "None.",
        "markdown": "\n".join(table) + f"\n\nTotal features selected: {out['selected_count']} out of "
        f"{out['total_candidates']} candidates",
    }
