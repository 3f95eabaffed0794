"""What an evaluation, a fairness check, a robustness check, a shadow comparison and an experiment
comparison are asked, declared once.

``stats.evaluate.evaluate``, ``stats.fairness.fairness``, ``stats.robustness.robustness``,
``stats.shadow.shadow_compare`` and ``stats.experiments.compare_experiments`` take one of these; the CLI
fills it from its flags and the compute catalogue lists its fields as the arguments of the computes of the
same names (computes/catalogue.py expands a dataclass parameter), so a new option is added here and
nowhere else, as ``ABOptions`` does for the A/B computes (stats/ab_options.py). Definitions:
docs/reference/statistics.md.

Standard library only: the catalogue imports this module whenever a workflow is validated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EvaluateOptions:
    """The columns and choices of one evaluation beside its file and ``y_true``.

    ``y_score`` is the positive-class probability (it gives ``y_pred`` at 0.5 when that is missing);
    ``groups`` are protected attribute columns (fairness per group); ``task`` is inferred when None;
    ``primary_metric`` is the metric of the bootstrap CI (``n_boot`` resamples, 0 skips it).
    """

    y_pred: str | None = None
    y_score: str | None = None
    groups: Sequence[str] | None = None
    task: str | None = None
    latency_col: str | None = None
    timestamp_col: str | None = None
    positive_label: Any = None
    primary_metric: str | None = None
    seed: int = 0
    n_boot: int = 1000


@dataclass(frozen=True)
class FairnessColumns:
    """Where a fairness check reads its labels, predictions and groups (``y_score`` adds calibration)."""

    y_true: str
    y_pred: str
    group_col: str
    y_score: str | None = None
    positive_label: Any = None


@dataclass(frozen=True)
class RobustnessOptions:
    """The columns, files and choices of a robustness check beside its predictions file and ``y_true``.

    ``slice_cols`` are the columns whose values are slices; ``feature_cols`` the features whose missing
    values are looked at (default: every column but the label, prediction and score); slices with fewer
    than ``min_slice_rows`` rows are reported but not ranked. ``checklist`` maps the guided checklist's
    items to pass / fail / n/a (``Any``: the function checks it and names what is wrong).
    """

    y_pred: str | None = None
    y_score: str | None = None
    slice_cols: Sequence[str] | None = None
    feature_cols: Sequence[str] | None = None
    shifted_path: str | None = None
    primary_metric: str | None = None
    task: str | None = None
    min_slice_rows: int = 20
    checklist: Any = None


@dataclass(frozen=True)
class ShadowOptions:
    """The columns of two prediction logs and how they are compared.

    An empty or None ``label_col`` or ``latency_col`` means the logs have no such column (``Any``, not
    ``str | None``: a blank compute argument would otherwise fall back to the default column name).
    For regression, ``tolerance`` is the absolute difference under which two predictions agree.
    """

    id_col: str = "request_id"
    pred_col: str = "prediction"
    label_col: Any = "label"
    latency_col: Any = "latency_ms"
    score_col: str | None = None
    task: str = "classification"
    tolerance: float = 0.0


@dataclass(frozen=True)
class ComparisonOptions:
    """The evidence and success criteria of a candidate-vs-baseline comparison beside the metrics.

    ``per_example`` (a predictions file and its columns) or ``fold_scores`` (per-fold scores of both)
    give the significance test; ``min_improvement`` (absolute, in the primary metric's units) and
    ``min_relative_improvement`` (a fraction) are the success criteria.
    """

    higher_is_better: Mapping[str, bool] | bool | None = None
    per_example: Mapping[str, Any] | None = None
    fold_scores: Mapping[str, Sequence[float]] | None = None
    min_improvement: float = 0.0
    min_relative_improvement: float | None = None
    alpha: float = 0.05
    n_boot: int = 2000
    seed: int = 0


EVALUATE_DEFAULTS = EvaluateOptions()
ROBUSTNESS_DEFAULTS = RobustnessOptions()
SHADOW_DEFAULTS = ShadowOptions()
COMPARISON_DEFAULTS = ComparisonOptions()
