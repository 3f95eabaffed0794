"""What an A/B analysis is asked beyond its events file and its metrics, declared once.

``stats.ab.analyze`` and ``stats.ab.early_stopping`` take one ``ABOptions``; the CLI fills it from its
flags and the compute catalogue lists its fields as the arguments of ``ab_analyze`` and
``ab_early_stop`` (computes/catalogue.py expands a dataclass parameter), so a new option is added here
and nowhere else. Definitions: docs/reference/statistics.md#ab-tests.

Standard library only: the catalogue imports this module whenever a workflow is validated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_TUNING = 5000.0  # the mixture-SPRT tuning parameter N of the confidence sequences


@dataclass(frozen=True)
class ABOptions:
    """The choices of one A/B analysis; every field has the default the CLI and the workflows use.

    ``secondary`` metrics join the primary (one family for ``correction``); ``guardrails`` must not
    degrade beyond ``guardrail_threshold`` (relative to |control mean|); ``required_n`` is a planned
    per-variant sample size, else ``mde`` at ``power`` gives one; ``weights`` is the planned split for the
    SRM check (a list in arm order, or arm -> weight); ``covariates`` maps a metric to its pre-period
    column (CUPED).
    """

    control: str = "control"
    guardrails: Sequence[str] | None = None
    lower_is_better: Sequence[str] | None = None
    guardrail_threshold: float | None = None
    alpha: float = 0.05
    mde: float | None = None
    mde_relative: bool = False
    power: float = 0.8
    required_n: int | None = None
    weights: Sequence[float] | Mapping[str, float] | None = None
    covariates: Mapping[str, str] | None = None
    tuning: float = DEFAULT_TUNING
    correction: str = "none"
    secondary: Sequence[str] | None = None


DEFAULTS = ABOptions()
