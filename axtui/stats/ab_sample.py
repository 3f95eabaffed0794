"""What an A/B analysis reads from the data: per arm and metric, a few exact summaries.

The analysis (`ab.py`, `ab_effects.py`) never sees rows. Per arm it reads a `Sample`
(count, sum, sum of squared deviations, median, extremes, whether every value is 0/1),
per treatment a `Ranks` (the Mann-Whitney rank sum against the control and the sizes of
the tie groups), and for CUPED a `Paired` (metric, covariate and their co-moment).
Two readers build them (`ab_data.py`): plain Python here, for a small local CSV (a
`--batch` replay then imports neither polars nor numpy, bench/batch.md), and polars,
for everything else. Each quantity is defined so that both give the same bits:

* sums are `math.fsum` (correctly rounded, so the order of the rows does not matter);
* squared deviations and cross products are taken value by value from the same mean
  (one subtraction and one multiplication each, the same in both);
* the median is the mean of the same two middle values;
* rank sums are sums of half-integers, exact in floating point below 2**53.

`tests/test_ab_readers.py` checks that both readers give identical analyses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby


@dataclass(frozen=True)
class Sample:
    """One arm's values of one metric (nulls dropped)."""

    n: int
    total: float  # math.fsum of the values
    m2: float  # fsum of (x - total / n)²
    median: float | None
    low: float | None
    high: float | None
    binary: bool  # every value is 0 or 1 (and there is at least one)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    @property
    def var(self) -> float:
        """The n - 1 variance (0 below two values)."""
        return self.m2 / (self.n - 1) if self.n > 1 else 0.0

    @property
    def constant(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class Ranks:
    """The Mann-Whitney ingredients of a treatment against the control (treatment first)."""

    rank_sum: float  # sum of the treatment's average ranks in the combined sample
    n1: int  # treatment
    n2: int  # control
    tie_counts: tuple[int, ...]  # sizes of the groups of equal values larger than one, ascending


@dataclass(frozen=True)
class Paired:
    """A metric and its pre-period covariate on the same units of one arm (CUPED)."""

    y: Sample
    x: Sample
    comoment: float  # fsum of (y - ȳ)(x - x̄)


def sample(values: Sequence[float]) -> Sample:
    """The `Sample` of plain floats (finite, -0.0 already folded to 0.0 by the reader)."""
    n = len(values)
    if n == 0:
        return Sample(0, 0.0, 0.0, None, None, None, False)
    total = math.fsum(values)
    mean = total / n
    m2 = math.fsum([d * d for d in [x - mean for x in values]])
    ordered = sorted(values)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    binary = all(x == 0.0 or x == 1.0 for x in values)
    return Sample(n, total, m2, median, ordered[0], ordered[-1], binary)


def ranks(x: Sequence[float], y: Sequence[float]) -> Ranks:
    """`Ranks` of ``x`` (the treatment) against ``y`` (the control) from plain floats."""
    average: dict[float, float] = {}
    ties = []
    start = 1
    for value, group in groupby(sorted([*x, *y])):
        count = sum(1 for _ in group)
        average[value] = start + (count - 1) / 2
        if count > 1:
            ties.append(count)
        start += count
    return Ranks(math.fsum([average[v] for v in x]), len(x), len(y), tuple(sorted(ties)))


def paired(ys: Sequence[float], xs: Sequence[float]) -> Paired:
    y, x = sample(ys), sample(xs)
    ym, xm = y.mean, x.mean
    return Paired(y, x, math.fsum([(a - ym) * (b - xm) for a, b in zip(ys, xs, strict=True)]))


def pooled(a: Sample, b: Sample) -> Sample:
    """Two arms as one sample for the moments (Chan et al.'s parallel update; no median or extremes)."""
    n = a.n + b.n
    delta = b.mean - a.mean
    m2 = a.m2 + b.m2 + delta * delta * a.n * b.n / n
    return Sample(n, a.total + b.total, m2, None, None, None, a.binary and b.binary)


def pooled_comoment(a: Paired, b: Paired) -> float:
    """The co-moment of y and x over two arms together, from each arm's."""
    n = a.y.n + b.y.n
    dy, dx = b.y.mean - a.y.mean, b.x.mean - a.x.mean
    return a.comoment + b.comoment + dy * dx * a.y.n * b.y.n / n
