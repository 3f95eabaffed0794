"""ADWIN concept-drift detection, compatible with river's ``drift.ADWIN`` (docs/reference/statistics.md).

A plain-Python port of river 0.23's ``AdaptiveWindowing`` (adwin_c.pyx): the
same exponential-histogram buckets, the same check every ``clock`` updates once
the window is longer than ``grace_period``, the same cut test and the same
full reset on the update after a detection, so it reports the same detection
indices as river (tests/data/drift/adwin_river.json holds river's own output).
The sub-window variances river accumulates while scanning cuts are never read
by its cut test, so they are not computed here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from axtui.errors import InputError

DEFAULTS: dict[str, float | int] = {
    "delta": 0.002,
    "clock": 32,
    "max_buckets": 5,
    "min_window_length": 5,
    "grace_period": 10,
}


class _Row:
    """All buckets of one size (2**level items each), oldest first, at most max_buckets + 1."""

    __slots__ = ("totals", "variances")

    def __init__(self) -> None:
        self.totals: list[float] = []
        self.variances: list[float] = []


class Adwin:
    """One ADWIN detector; ``update(x)`` returns True when a change is detected at x."""

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        if not 0.0 < delta < 1.0:
            raise InputError(f"delta must be between 0 and 1, got {delta}", hint="the default is 0.002")
        for name, value in (
            ("clock", clock),
            ("max_buckets", max_buckets),
            ("min_window_length", min_window_length),
        ):
            if value < 1:
                raise InputError(f"{name} must be at least 1, got {value}")
        if grace_period < 0:
            raise InputError(f"grace_period must not be negative, got {grace_period}")
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        self.drift_detected = False
        self._reset()

    def _reset(self) -> None:
        self._rows: list[_Row] = [_Row()]
        self.total = 0.0
        self.variance = 0.0
        self.width = 0.0
        self._tick = 0

    @property
    def estimation(self) -> float:
        """Mean of the values in the current window."""
        return self.total / self.width if self.width else 0.0

    def update(self, value: float) -> bool:
        if self.drift_detected:  # river resets the whole detector on the update after a detection
            self._reset()
        self._insert(float(value))
        self.drift_detected = self._detect_change()
        return self.drift_detected

    def _insert(self, value: float) -> None:
        row = self._rows[0]
        row.totals.append(value)
        row.variances.append(0.0)
        self.width += 1.0
        if self.width > 1.0:
            mean_before = self.total / (self.width - 1.0)
            self.variance += (self.width - 1.0) * (value - mean_before) * (value - mean_before) / self.width
        self.total += value
        self._compress()

    def _compress(self) -> None:
        level = 0
        while level < len(self._rows):
            row = self._rows[level]
            if len(row.totals) != self.max_buckets + 1:
                break
            if level + 1 == len(self._rows):
                self._rows.append(_Row())
            upper = self._rows[level + 1]
            size = 2.0**level
            mu1 = row.totals[0] / size
            mu2 = row.totals[1] / size
            total12 = row.totals[0] + row.totals[1]
            temp = size * size * (mu1 - mu2) * (mu1 - mu2) / (size + size)
            upper.totals.append(total12)
            upper.variances.append(row.variances[0] + row.variances[1] + temp)
            del row.totals[:2]
            del row.variances[:2]
            if len(upper.totals) <= self.max_buckets:
                break
            level += 1

    def _delete_oldest(self) -> float:
        level = len(self._rows) - 1
        row = self._rows[level]
        size = 2.0**level
        u = row.totals[0]
        mu = u / size
        v = row.variances[0]
        self.width -= size
        self.total -= u
        mu_window = self.total / self.width
        self.variance -= v + size * self.width * (mu - mu_window) * (mu - mu_window) / (size + self.width)
        del row.totals[0]
        del row.variances[0]
        if not row.totals:
            self._rows.pop()
        return size

    def _detect_change(self) -> bool:
        change = False
        self._tick += 1
        if self._tick % self.clock != 0 or self.width <= self.grace_period:
            return False
        reduce_width = True
        while reduce_width:
            reduce_width = False
            done = False
            n0, n1 = 0.0, self.width
            u0, u1 = 0.0, self.total
            for level in range(len(self._rows) - 1, -1, -1):
                if done:
                    break
                row = self._rows[level]
                size = 2.0**level
                count = len(row.totals)
                for k in range(count):
                    n0 += size
                    n1 -= size
                    u0 += row.totals[k]
                    u1 -= row.totals[k]
                    if level == 0 and k == count - 1:
                        done = True
                        break
                    if (
                        n1 >= self.min_window_length
                        and n0 >= self.min_window_length
                        and self._cut(n0, n1, u0 / n0 - u1 / n1)
                    ):
                        reduce_width = True
                        change = True
                        if self.width > 0:
                            n0 -= self._delete_oldest()
                            done = True
                            break
        return change

    def _cut(self, n0: float, n1: float, delta_mean: float) -> bool:
        delta_prime = math.log(2 * math.log(self.width) / self.delta)
        m_recip = 1.0 / (n0 - self.min_window_length + 1) + 1.0 / (n1 - self.min_window_length + 1)
        epsilon = (
            math.sqrt(2 * m_recip * (self.variance / self.width) * delta_prime)
            + 2 / 3 * delta_prime * m_recip
        )
        return abs(delta_mean) > epsilon


def run_adwin(
    values: Iterable[float],
    *,
    delta: float = 0.002,
    clock: int = 32,
    max_buckets: int = 5,
    min_window_length: int = 5,
    grace_period: int = 10,
) -> dict[str, Any]:
    """Feed a stream to ADWIN; each detection gives its 0-based index and the window after the cut."""
    detector = Adwin(delta, clock, max_buckets, min_window_length, grace_period)
    detections = []
    rows = 0
    for index, value in enumerate(values):
        rows += 1
        if detector.update(value):
            detections.append(
                {"index": index, "width": int(detector.width), "estimation": detector.estimation}
            )
    return {
        "rows": rows,
        "detections": detections,
        "params": {
            "delta": delta,
            "clock": clock,
            "max_buckets": max_buckets,
            "min_window_length": min_window_length,
            "grace_period": grace_period,
        },
    }


def run_adwin_file(path: str | Path, column: str, **params: Any) -> dict[str, Any]:
    """ADWIN over one column of a data file, in file order; nulls are refused, not skipped.

    A missing value in an error stream is ambiguous (no prediction? no
    label?), so it is an error naming the file, the column and the first row.
    """
    import polars as pl

    from axtui.stats.io import read_table

    frame = read_table(path, columns=[column])
    series = frame.get_column(column)
    if not (series.dtype.is_numeric() or series.dtype == pl.Boolean):
        raise InputError(
            f"column {column!r} is {series.dtype}, not numeric",
            where=f"{path}: column {column}",
            hint="pass a 0/1 error column or a numeric metric",
        )
    values = series.cast(pl.Float64)
    bad = values.is_null() | values.is_nan() | values.is_infinite()
    if bad.any():
        first = int(bad.arg_true()[0])
        raise InputError(
            f"column {column!r} has {int(bad.sum())} missing or infinite value(s), "
            f"the first at row {first + 1}",
            where=f"{path}: column {column}",
            hint="drop or fill those rows first; ADWIN needs one value per step",
        )
    result = run_adwin(values.to_list(), **params)
    result["column"] = column
    return result
