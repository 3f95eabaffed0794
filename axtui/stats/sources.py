"""What kind of source a path names: an object-store or http(s) URL, or a glob.

Split out of ``stats.io`` (which reads the sources, with polars) so that the A/B reader's
standard-library path for a small CSV can ask without importing the whole reader (a
``--batch`` replay of ml-ab-testing, bench/batch.md).
"""

from __future__ import annotations

from pathlib import Path

URL_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "az://", "abfs://", "abfss://", "http://", "https://")
GLOB_CHARS = frozenset("*?[")


def is_url(source: str | Path) -> bool:
    """True for an object-store or http(s) URL (read by polars' object store, never by the OS)."""
    return isinstance(source, str) and source.lower().startswith(URL_SCHEMES)


def is_glob(source: str | Path) -> bool:
    return any(ch in str(source) for ch in GLOB_CHARS)
