"""Reading the user's data files with one clear message per failure.

Every failure names the file (and the column where it is about a column) and
says what to do, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from axtui.errors import InputError

if TYPE_CHECKING:
    import polars as pl

SUPPORTED = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
}


def _format(path: Path) -> str:
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'!r}",
            where=str(path),
            hint="use .csv, .parquet, .json or .jsonl",
        )
    return kind


def scan_table(path: str | Path) -> pl.LazyFrame:
    """A lazy frame over a data file (csv, parquet, json lines); json arrays are read eagerly."""
    import polars as pl

    p = Path(path)
    if not p.exists():
        raise InputError(
            "file not found",
            where=str(p),
            hint="check the path (relative paths start from the current directory)",
        )
    if p.is_dir():
        raise InputError("expected a data file, got a folder", where=str(p))
    kind = _format(p)
    try:
        if kind == "csv":
            sep = "\t" if p.suffix.lower() == ".tsv" else ","
            return pl.scan_csv(p, separator=sep, infer_schema_length=10_000)
        if kind == "parquet":
            return pl.scan_parquet(p)
        if kind == "ndjson":
            return pl.scan_ndjson(p, infer_schema_length=10_000)
        return pl.read_json(p).lazy()
    except Exception as exc:  # polars raises many kinds; all mean "cannot read this file"
        raise InputError(
            f"cannot read the file: {_first_line(exc)}",
            where=str(p),
            hint="check that the file is a valid, non-empty "
            f"{kind.upper() if kind != 'ndjson' else 'JSON lines'} file",
        ) from exc


def read_table(
    path: str | Path, *, columns: list[str] | None = None, allow_empty: bool = False
) -> pl.DataFrame:
    """Read a data file (optionally only some columns), refusing empty files and missing columns."""
    p = Path(path)
    lazy = scan_table(p)
    try:
        schema = lazy.collect_schema()
    except Exception as exc:
        raise InputError(
            f"cannot read the file: {_first_line(exc)}",
            where=str(p),
            hint="check that the file is not empty or truncated",
        ) from exc
    if columns:
        require_columns(p, list(schema.names()), columns)
        lazy = lazy.select(columns)
    try:
        frame = lazy.collect()
    except Exception as exc:
        raise InputError(
            f"cannot read the file: {_first_line(exc)}",
            where=str(p),
            hint="check the file's format and encoding",
        ) from exc
    if frame.height == 0 and not allow_empty:
        raise InputError("the file has no rows", where=str(p), hint="pass a file with data")
    return frame


def require_columns(path: str | Path, available: list[str], wanted: list[str]) -> None:
    """Raise one message naming the first missing column and listing what the file has."""
    for name in wanted:
        if name not in available:
            shown = ", ".join(available[:20]) + (" ..." if len(available) > 20 else "")
            raise InputError(
                f"column {name!r} does not exist", where=str(path), hint=f"the file has: {shown}"
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
