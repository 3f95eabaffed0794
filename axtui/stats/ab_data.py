"""Reading an A/B events source into the per-arm summaries of `ab_sample`.

Two readers, one result. A small local CSV whose cells are plain numbers (and a
variant column of names) is read with the standard library: an A/B step of a
`--batch` replay then loads neither polars nor numpy, whose imports alone took
longer than the rest of the replay (bench/batch.md). Anything else (Parquet, JSON,
globs, folders, URLs, big files, quoted cells, booleans, empty columns, a value
polars would read differently) goes to polars through `stats.io`, which also gives
every error message: the plain reader never refuses a file, it hands it on.

"Small" is at most `SMALL_CSV_BYTES` and at most 10,000 rows: polars infers a CSV's
column types from its first 10,000 rows, so within them both readers agree on what
is a number.
"""

from __future__ import annotations

import math
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from axtui.errors import InputError
from axtui.stats import ab_sample as ax
from axtui.stats.sources import is_glob, is_url

if TYPE_CHECKING:
    import polars as pl

SMALL_CSV_BYTES = 4 << 20
INFER_ROWS = 10_000  # stats.io reads CSV with infer_schema_length=10_000
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_NAME_POLARS_TYPES = re.compile(r"[-+]?[\d.].*|true|false", re.IGNORECASE)


@dataclass(frozen=True)
class MetricData:
    """One metric's summaries: per arm (first-seen order), Mann-Whitney per treatment, CUPED pairs."""

    arms: dict[str, ax.Sample]
    ranks: dict[str, ax.Ranks] = field(default_factory=dict)  # treatment -> against the control
    paired: dict[str, ax.Paired] | None = None

    @property
    def binary(self) -> bool:
        return bool(self.arms) and all(s.binary for s in self.arms.values())


class Events(ABC):
    """An events source: rows per arm, and each metric's summaries on demand."""

    source: str
    sizes: dict[str, int]  # rows with a variant, per arm in first-seen order

    @abstractmethod
    def metric(self, metric: str, control: str, covariate: str | None) -> MetricData:
        """The summaries of ``metric`` (with ``covariate``'s pairs for CUPED), errors naming the source."""


def load(
    events: str | Path | pl.DataFrame, variant_col: str, columns: list[str], covariates: Mapping[str, str]
) -> Events:
    """The events of ``columns`` (the variant column first) from a path or a polars frame."""
    if isinstance(events, str | Path):
        small = read_small_csv(Path(events), str(events), variant_col, columns, covariates)
        if small is not None:
            return small
    frame, source = _load_frame(events, columns, list(covariates.values()))
    return FrameEvents(frame, source, variant_col)


# --- the plain reader ------------------------------------------------------------------------------


class RowEvents(Events):
    """A small CSV read by the standard library: each needed column as a list (None for empty)."""

    def __init__(self, source: str, variants: list[str | None], cells: dict[str, list[float | None]]):
        self.source = source
        self._variants = variants
        self._cells = cells
        sizes: dict[str, int] = {}
        for arm in variants:
            if arm is not None:
                sizes[arm] = sizes.get(arm, 0) + 1
        self.sizes = sizes

    def metric(self, metric: str, control: str, covariate: str | None) -> MetricData:
        values: dict[str, list[float]] = {}
        pre: dict[str, list[float]] = {}
        xs = self._cells[covariate] if covariate else None
        for i, (arm, y) in enumerate(zip(self._variants, self._cells[metric], strict=True)):
            if arm is None or y is None:
                continue
            values.setdefault(arm, []).append(y)
            if xs is not None:
                pre.setdefault(arm, []).append(xs[i])  # type: ignore[arg-type]  # checked at reading
        data = MetricData({arm: ax.sample(v) for arm, v in values.items()})
        if not data.binary and control in values:
            for arm, v in values.items():
                if arm != control:
                    data.ranks[arm] = ax.ranks(v, values[control])
        if xs is not None:
            return MetricData(data.arms, data.ranks, {a: ax.paired(values[a], pre[a]) for a in values})
        return data


# The last small CSV read, by file identity and what was asked of it: a session's analysis and
# its early-stopping check read the same events (a ``--batch`` replay of ml-ab-testing parsed the
# file twice, ≈ 30 ms, bench/batch.md). The check asks for fewer columns than the analysis; a read
# that holds them all serves it (each column is parsed and checked on its own, so what succeeded
# for more columns succeeds for fewer). A file that changes gets a new mtime or size: read again.
@dataclass(frozen=True)
class _Read:
    file: tuple[object, ...]  # path, source, mtime, size, variant column, row limit
    columns: frozenset[str]
    covariates: frozenset[tuple[str, str]]
    events: RowEvents | None

    def serves(self, file: tuple[object, ...], columns: list[str], covariates: Mapping[str, str]) -> bool:
        if file != self.file or self.events is None:
            return False
        return self.columns.issuperset(columns) and self.covariates.issuperset(covariates.items())


_LAST_READ: _Read | None = None


def read_small_csv(
    path: Path, source: str, variant_col: str, columns: list[str], covariates: Mapping[str, str]
) -> RowEvents | None:
    """The events of a small, plain CSV, or None when polars must read it (see the module docstring)."""
    global _LAST_READ
    if is_url(source) or is_glob(source) or path.suffix.lower() != ".csv":
        return None
    try:
        st = path.stat() if path.is_file() else None
        if st is None or not 0 < st.st_size <= SMALL_CSV_BYTES:
            return None
        file = (os.path.abspath(path), source, st.st_mtime_ns, st.st_size, variant_col, INFER_ROWS)
        if _LAST_READ is not None and _LAST_READ.serves(file, columns, covariates):
            return _LAST_READ.events
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    events = _read_text(text, source, variant_col, columns, covariates)
    _LAST_READ = _Read(file, frozenset(columns), frozenset(covariates.items()), events)
    return events


def _read_text(
    text: str, source: str, variant_col: str, columns: list[str], covariates: Mapping[str, str]
) -> RowEvents | None:
    """``read_small_csv`` on the file's text (None: polars must read it)."""
    table = _split(text, columns)
    if table is None or variant_col in columns[1:]:
        return None
    variants: list[str | None] = [v or None for v in table[variant_col]]
    if any(v is not None and _NAME_POLARS_TYPES.fullmatch(v) for v in variants):
        return None  # polars would type this column (numbers, booleans): let it
    cells: dict[str, list[float | None]] = {}
    for name in columns[1:]:
        parsed = _numbers(table[name])
        if parsed is None:
            return None
        cells[name] = parsed
    for metric, covariate in covariates.items():
        if any(
            a is not None and y is not None and x is None
            for a, y, x in zip(variants, cells[metric], cells[covariate], strict=True)
        ):
            return None  # polars names the null covariate
    return RowEvents(source, variants, cells)


def _split(text: str, columns: list[str]) -> dict[str, list[str]] | None:
    """The cells of ``columns`` from CSV text without quotes, or None for anything less plain."""
    if '"' in text or text.startswith("\ufeff"):
        return None
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    header = lines[0].split(",")
    rows = lines[1:]
    if len(set(header)) != len(header) or not rows or len(rows) > INFER_ROWS:
        return None
    if any(c not in header for c in columns):
        return None  # polars names the missing column
    at = [header.index(c) for c in columns]
    out: dict[str, list[str]] = {c: [] for c in columns}
    width = len(header)
    for line in rows:
        cells = line.split(",")
        if len(cells) != width:
            return None
        for c, i in zip(columns, at, strict=True):
            out[c].append(cells[i])
    return out


def _numbers(cells: list[str]) -> list[float | None] | None:
    """Finite numbers (-0.0 as 0.0) and None for empty cells; None when a cell is not a plain number
    or the column is empty."""
    out: list[float | None] = []
    for cell in cells:
        if not cell:
            out.append(None)
            continue
        if not _NUMBER.fullmatch(cell) or ("." not in cell and len(cell.lstrip("-")) > 15):
            return None  # not a number polars reads the same way (or an integer beyond float precision)
        value = float(cell) + 0.0
        if not math.isfinite(value):
            return None
        out.append(value)
    if all(v is None for v in out):
        return None
    return out


# --- the polars reader -----------------------------------------------------------------------------


class FrameEvents(Events):
    """Events in a polars frame (any source `stats.io` reads); the summaries computed by polars."""

    def __init__(self, frame: pl.DataFrame, source: str, variant_col: str) -> None:
        import polars as pl

        self.source = source
        self._frame = frame
        self._variant = variant_col
        sizes = (
            frame.filter(pl.col(variant_col).is_not_null()).group_by(variant_col, maintain_order=True).len()
        )
        self.sizes = {
            str(a): int(n) for a, n in zip(sizes[variant_col].to_list(), sizes["len"].to_list(), strict=True)
        }

    def metric(self, metric: str, control: str, covariate: str | None) -> MetricData:
        values = _arm_values(self._frame, self._variant, metric, self.source)
        data = MetricData({arm: _series_sample(v) for arm, v in values.items()})
        if not data.binary and control in values:
            for arm, v in values.items():
                if arm != control:
                    data.ranks[arm] = _series_ranks(v, values[control])
        if covariate:
            pairs = _covariate_values(self._frame, self._variant, metric, covariate, self.source)
            return MetricData(data.arms, data.ranks, {a: _series_paired(y, x) for a, (y, x) in pairs.items()})
        return data


def _series_sample(s: pl.Series) -> ax.Sample:
    """`ab_sample.sample` computed by polars, to the same bits."""
    n = s.len()
    if n == 0:
        return ax.sample([])
    total = math.fsum(s.to_list())
    d = s - total / n
    ordered = s.sort()
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    binary = bool(((s == 0.0) | (s == 1.0)).all())
    return ax.Sample(n, total, math.fsum((d * d).to_list()), median, ordered[0], ordered[-1], binary)


def _series_ranks(x: pl.Series, y: pl.Series) -> ax.Ranks:
    """`ab_sample.ranks` computed by polars, to the same bits."""
    import polars as pl

    both = pl.concat([x, y])
    rank_sum = math.fsum(both.rank("average").head(x.len()).to_list())
    counts = both.value_counts(name="__count")["__count"]
    ties = sorted(int(c) for c in counts.filter(counts > 1).to_list())
    return ax.Ranks(rank_sum, x.len(), y.len(), tuple(ties))


def _series_paired(y: pl.Series, x: pl.Series) -> ax.Paired:
    ys, xs = _series_sample(y), _series_sample(x)
    return ax.Paired(ys, xs, math.fsum(((y - ys.mean) * (x - xs.mean)).to_list()))


def _numeric_column(frame: pl.DataFrame, name: str, where: str, what: str) -> pl.Expr:
    """The column as Float64 (booleans as 0/1, -0.0 as 0.0), or the error for a non-numeric one."""
    import polars as pl

    dtype = frame.schema[name]
    if dtype == pl.Boolean:
        return pl.col(name).cast(pl.Int8).cast(pl.Float64)
    if dtype.is_numeric():
        value = pl.col(name).cast(pl.Float64)
        return pl.when(value == 0.0).then(0.0).otherwise(value)  # (polars drops a "+ 0.0")
    raise InputError(
        f"{what} column {name!r} is {dtype}, not numeric",
        where=where,
        hint="A/B metrics and covariates must be numbers (0/1 for conversions)",
    )


def _arm_values(frame: pl.DataFrame, variant_col: str, metric: str, source: str) -> dict[str, pl.Series]:
    import polars as pl

    if frame[metric].null_count() == frame.height:
        raise InputError(
            f"column {metric!r} has no values (every row is null)",
            where=f"{source}: column {metric}",
            hint="pick a metric column with data",
        )
    dtype = frame.schema[metric]
    if not (dtype == pl.Boolean or dtype.is_numeric()):
        raise InputError(
            f"column {metric!r} is {dtype}, not numeric",
            where=f"{source}: column {metric}",
            hint="A/B metrics must be numbers (0/1 for conversions)",
        )
    column = _numeric_column(frame, metric, f"{source}: column {metric}", "metric")
    sub = frame.select(pl.col(variant_col), column.alias(metric)).drop_nulls()
    out: dict[str, pl.Series] = {}
    for (arm,), part in sub.group_by(variant_col, maintain_order=True):
        values = part[metric]
        if not values.is_finite().all():
            raise InputError(
                f"column {metric!r} has infinite or NaN values in arm {arm!r}",
                where=f"{source}: column {metric}",
                hint="clean or drop those rows",
            )
        out[str(arm)] = values
    return out


def _covariate_values(
    frame: pl.DataFrame, variant_col: str, metric: str, covariate: str, source: str
) -> dict[str, tuple[pl.Series, pl.Series]]:
    """Per arm, the metric and its pre-period covariate on the rows where the metric is present."""
    import polars as pl

    where = f"{source}: column {covariate} (--covariate {metric}={covariate})"
    x = _numeric_column(frame, covariate, where, "covariate")
    y = _numeric_column(frame, metric, f"{source}: column {metric}", "metric")
    sub = frame.select(pl.col(variant_col), y.alias("__y"), x.alias("__x")).filter(
        pl.col(variant_col).is_not_null() & pl.col("__y").is_not_null()
    )
    nulls = sub["__x"].null_count()
    if nulls:
        raise InputError(
            f"covariate column {covariate!r} has {nulls} null value(s) where {metric!r} is present",
            where=where,
            hint="fill them (e.g. 0 for units with no pre-period activity) or drop those rows",
        )
    out: dict[str, tuple[pl.Series, pl.Series]] = {}
    for (name,), part in sub.group_by(variant_col, maintain_order=True):
        if not part["__x"].is_finite().all():
            raise InputError(f"covariate column {covariate!r} has infinite or NaN values", where=where)
        out[str(name)] = (part["__y"], part["__x"])
    return out


def _load_frame(
    events: str | Path | pl.DataFrame, columns: list[str], covariates: list[str]
) -> tuple[pl.DataFrame, str]:
    import polars as pl

    from axtui.stats.io import read_table, require_columns

    if isinstance(events, pl.DataFrame):
        source, available = "<data>", events.columns
    else:
        source = str(events)
        available = None
    try:
        if available is not None:
            require_columns(source, available, columns)
            return events.select(columns), source  # type: ignore[union-attr]
        return read_table(events, columns=columns), source  # type: ignore[arg-type]
    except InputError as exc:
        missing = next((c for c in covariates if f"column {c!r} does not exist" == exc.message), None)
        if missing is None:
            raise
        raise InputError(
            f"covariate column {missing!r} does not exist",
            where=f"{source}: --covariate",
            hint=exc.hint,
        ) from None
