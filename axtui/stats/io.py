"""Reading the user's data where they keep it, with one clear message per failure.

A data *source* is any of (docs/scaling.md describes each):

* a file: ``.csv``/``.tsv``, ``.parquet``/``.pq``, ``.json`` (an array),
  ``.jsonl``/``.ndjson``;
* a glob: ``data/2026-*.parquet``, ``lake/**/*.csv``;
* a folder: every data file below it, one format; Parquet folders are read
  as hive-partitioned datasets (``country=fr/day=1/part.parquet`` adds the
  ``country`` and ``day`` columns);
* an object-store URL (``s3://``, ``gs://``, ``az://``/``abfs://``,
  ``https://``), read by polars' own object store with the usual
  environment variables (``AWS_ENDPOINT_URL``, ``AWS_REGION``,
  ``AWS_ACCESS_KEY_ID``, ...; ``GOOGLE_*``, ``AZURE_STORAGE_*``).

Everything is scanned lazily, so callers that select columns read only those
columns. Every failure names the source (and the column where it is about a
column) and says what to do, so the CLI can print it and exit 2 without a
traceback; object-store failures (unreachable endpoint, wrong credentials,
missing bucket) surface within ``AXTUI_CONNECT_TIMEOUT`` seconds (default 5).
"""

from __future__ import annotations

import glob as globbing
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.errors import InputError
from axtui.stats.sources import GLOB_CHARS, URL_SCHEMES, is_glob, is_url  # noqa: F401 (their old home)

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
CONNECT_TIMEOUT_ENV = "AXTUI_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 5
MAX_RETRIES = 2

# environment variable -> polars/object_store storage option, per scheme family
_ENV_OPTIONS = {
    "s3": {
        "AWS_ACCESS_KEY_ID": "aws_access_key_id",
        "AWS_SECRET_ACCESS_KEY": "aws_secret_access_key",
        "AWS_SESSION_TOKEN": "aws_session_token",
        "AWS_DEFAULT_REGION": "aws_region",
        "AWS_REGION": "aws_region",
        "AWS_ENDPOINT_URL": "aws_endpoint_url",
        "AWS_ENDPOINT_URL_S3": "aws_endpoint_url",
        "AWS_ALLOW_HTTP": "aws_allow_http",
    },
    "gs": {
        "GOOGLE_SERVICE_ACCOUNT": "google_service_account",
        "GOOGLE_SERVICE_ACCOUNT_KEY": "google_service_account_key",
        "GOOGLE_APPLICATION_CREDENTIALS": "google_application_credentials",
    },
    "az": {
        "AZURE_STORAGE_ACCOUNT_NAME": "azure_storage_account_name",
        "AZURE_STORAGE_ACCOUNT_KEY": "azure_storage_account_key",
        "AZURE_STORAGE_SAS_TOKEN": "azure_storage_sas_key",
        "AZURE_STORAGE_ENDPOINT": "azure_storage_endpoint",
        "AZURE_STORAGE_USE_EMULATOR": "azure_storage_use_emulator",
    },
}


# where the endpoint of each scheme family comes from, for the "cannot reach" hint
_ENDPOINT_HINT = {
    "s3": "AWS_ENDPOINT_URL (or the URL's host)",
    "gs": "the URL's host (or gcs_base_url in the GOOGLE_SERVICE_ACCOUNT file)",
    "az": "AZURE_STORAGE_ENDPOINT (or the account's host)",
    "http": "the URL's host and port",
}


def source_label(source: str | Path) -> str:
    """How messages name a source: the URL or path as the user wrote it."""
    return source if isinstance(source, str) else str(source)


def storage_options(url: str) -> dict[str, Any] | None:
    """polars ``storage_options`` for ``url`` from the environment, or None for a local source.

    Only variables that are set are passed on; with none set, polars' own
    credential chain applies. A plain-http endpoint (a local S3-compatible
    server) turns on ``aws_allow_http``, which object_store refuses otherwise.
    """
    if not is_url(url):
        return None
    family = _family(url)
    options: dict[str, Any] = {}
    for env, key in _ENV_OPTIONS.get(family, {}).items():
        value = os.environ.get(env)
        if value:
            options[key] = value
    endpoint = str(options.get("aws_endpoint_url", ""))
    if family == "s3" and endpoint.startswith("http://"):
        options.setdefault("aws_allow_http", "true")
    options["connect_timeout"] = f"{_connect_timeout()}s"
    options["max_retries"] = MAX_RETRIES
    return options


def _family(url: str) -> str:
    lower = url.lower()
    if lower.startswith(("s3://", "s3a://")):
        return "s3"
    if lower.startswith(("gs://", "gcs://")):
        return "gs"
    if lower.startswith(("az://", "abfs://", "abfss://")):
        return "az"
    return "http"


def _connect_timeout() -> int:
    raw = os.environ.get(CONNECT_TIMEOUT_ENV, "")
    try:
        return max(1, int(float(raw))) if raw else DEFAULT_CONNECT_TIMEOUT
    except ValueError:
        raise InputError(
            f"{CONNECT_TIMEOUT_ENV}={raw!r} is not a number of seconds", where=CONNECT_TIMEOUT_ENV
        ) from None


def _format_of(name: str, where: str) -> str:
    suffix = Path(name.split("?", 1)[0].rstrip("/")).suffix.lower()
    kind = SUPPORTED.get(suffix)
    if kind is None:
        raise InputError(
            f"unsupported file type {suffix or '(none)'!r}",
            where=where,
            hint="use .csv, .parquet, .json or .jsonl files (a folder or a glob of them, or a URL)",
        )
    return kind


def scan_table(source: str | Path) -> pl.LazyFrame:
    """A lazy frame over a file, glob, folder or URL (json arrays are read eagerly)."""
    label = source_label(source)
    if is_url(source):
        return _scan_url(str(source), label)
    if is_glob(source):
        files = sorted(f for f in globbing.glob(str(source), recursive=True) if Path(f).is_file())
        if not files:
            raise InputError(
                "the glob matches no file",
                where=label,
                hint="check the pattern (quote it so the shell does not expand it; ** needs a folder)",
            )
        return _scan_files(files, label, hive_root=None)
    p = Path(source)
    if not p.exists():
        raise InputError(
            "file not found",
            where=label,
            hint="check the path (relative paths start from the current directory)",
        )
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
        if not files:
            raise InputError(
                "the folder holds no data file",
                where=label,
                hint="put .parquet, .csv or .jsonl files in it (hive partitions like day=1/ are fine)",
            )
        return _scan_files(files, label, hive_root=p)
    return _scan_one(p, _format_of(p.name, label), label)


def _scan_one(p: Path, kind: str, label: str) -> pl.LazyFrame:
    import polars as pl

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
            where=label,
            hint="check that the file is a valid, non-empty "
            f"{kind.upper() if kind != 'ndjson' else 'JSON lines'} file",
        ) from exc


def _scan_files(files: list[str], label: str, hive_root: Path | None) -> pl.LazyFrame:
    """Several local files of one format as one table; their schemas must agree."""
    import polars as pl

    kinds = {f: SUPPORTED[Path(f).suffix.lower()] for f in files if Path(f).suffix.lower() in SUPPORTED}
    if not kinds:
        raise InputError(
            "no data file among the matches", where=label, hint="match .parquet/.csv/.jsonl files"
        )
    formats = sorted(set(kinds.values()))
    if len(formats) > 1:
        raise InputError(
            f"the data mixes formats ({', '.join(formats)})",
            where=label,
            hint="keep one format per dataset, or narrow the glob to one extension",
        )
    kind, files = formats[0], list(kinds)
    if len(files) == 1 and hive_root is None:
        return _scan_one(Path(files[0]), kind, label)
    if kind == "json":
        raise InputError(
            "several JSON array files cannot be scanned as one table",
            where=label,
            hint="write the parts as JSON lines (.jsonl) or Parquet",
        )
    _check_schemas(files, kind, label)
    try:
        if kind == "parquet":
            if hive_root is not None:
                return pl.scan_parquet(hive_root, hive_partitioning=True)
            return pl.scan_parquet(files)
        if kind == "csv":
            sep = "\t" if all(f.lower().endswith(".tsv") for f in files) else ","
            return pl.scan_csv(files, separator=sep, infer_schema_length=10_000)
        return pl.scan_ndjson(files, infer_schema_length=10_000)
    except Exception as exc:
        raise InputError(f"cannot read the data: {_first_line(exc)}", where=label) from exc


def _check_schemas(files: list[str], kind: str, label: str) -> None:
    """Name the first part whose columns or types differ from the first part's (polars would fail late)."""
    first_schema: dict[str, Any] | None = None
    for f in files:
        schema = _file_schema(f, kind)
        if first_schema is None:
            first_schema = schema
            continue
        if schema == first_schema:
            continue
        missing = [c for c in first_schema if c not in schema]
        extra = [c for c in schema if c not in first_schema]
        changed = [c for c in schema if c in first_schema and schema[c] != first_schema[c]]
        if changed:
            col = changed[0]
            detail = f"column {col!r} is {schema[col]} here but {first_schema[col]} in {files[0]}"
        elif missing:
            detail = f"column {missing[0]!r} of {files[0]} is missing"
        elif extra:
            detail = f"column {extra[0]!r} is not in {files[0]}"
        else:
            detail = f"the column order differs from {files[0]}"
        raise InputError(
            f"the parts of the dataset have different schemas: {detail}",
            where=f"{label}: {f}",
            hint="rewrite the odd part with the dataset's schema, or leave it out of the glob",
        )


def _file_schema(f: str, kind: str) -> dict[str, Any]:
    import polars as pl

    try:
        if kind == "parquet":
            return dict(pl.read_parquet_schema(f))
        if kind == "csv":
            sep = "\t" if f.lower().endswith(".tsv") else ","
            return dict(pl.scan_csv(f, separator=sep, infer_schema_length=10_000).collect_schema())
        return dict(pl.scan_ndjson(f, infer_schema_length=10_000).collect_schema())
    except Exception as exc:
        raise InputError(
            f"cannot read the file: {_first_line(exc)}",
            where=f,
            hint="check that every part is a valid, non-empty file",
        ) from exc


def _scan_url(url: str, label: str) -> pl.LazyFrame:
    import polars as pl

    options = storage_options(url)
    path = url.split("?", 1)[0]
    folder = path.endswith("/")
    kind = "parquet" if folder else _format_of(path, label)
    try:
        if kind == "parquet":
            return pl.scan_parquet(url, storage_options=options, hive_partitioning=True if folder else None)
        if kind == "csv":
            sep = "\t" if path.lower().endswith(".tsv") else ","
            return pl.scan_csv(url, separator=sep, infer_schema_length=10_000, storage_options=options)
        if kind == "ndjson":
            return pl.scan_ndjson(url, infer_schema_length=10_000, storage_options=options)
        raise InputError(
            "a JSON array file cannot be read from an object store",
            where=label,
            hint="store it as JSON lines (.jsonl) or Parquet",
        )
    except InputError:
        raise
    except Exception as exc:
        raise remote_error(exc, label) from exc


def remote_error(exc: BaseException, label: str) -> InputError:
    """One message for an object-store failure: refused credentials, an untrusted certificate,
    unreachable, or not found."""
    text = str(exc)
    low = text.lower()
    if any(
        s in low
        for s in (
            "signaturedoesnotmatch",
            "invalidaccesskeyid",
            "403 forbidden",
            "accessdenied",
            "lacked the necessary privileges",
            "401 unauthorized",
            "expiredtoken",
        )
    ):
        return InputError(
            "the object store refused the credentials",
            where=label,
            hint="check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
            "(or the GOOGLE_* / AZURE_STORAGE_* variables)",
        )
    if "certificate" in low or "unknownissuer" in low:  # reached, but TLS is not trusted
        return InputError(
            "the server's TLS certificate is not trusted",
            where=label,
            hint="for a private CA, set SSL_CERT_FILE to its certificate (PEM) or check the URL's host name",
        )
    if any(s in low for s in ("connect", "timed out", "timeout", "dns", "resolve", "unreachable")):
        return InputError(
            "cannot reach the object store",
            where=label,
            hint=f"check {_ENDPOINT_HINT[_family(label)]} and the network; "
            f"{CONNECT_TIMEOUT_ENV} sets the connect timeout in seconds",
        )
    if any(s in low for s in ("nosuchbucket", "not found", "expanded paths were empty", "nosuchkey", "404")):
        return InputError(
            "nothing found at this URL (no such bucket, object or matching file)",
            where=label,
            hint="check the bucket and the path (a folder URL ends with /)",
        )
    return InputError(f"cannot read the data: {_first_line(exc)}", where=label)


def collect_schema(lazy: pl.LazyFrame, label: str) -> dict[str, pl.DataType]:
    """The schema of a scan, with polars' errors (also remote ones) turned into one message."""
    try:
        return dict(lazy.collect_schema())
    except Exception as exc:
        raise read_error(exc, label, "check that the data is not empty or truncated") from exc


def read_error(exc: BaseException, label: str, hint: str) -> InputError:
    """The InputError for a failure while reading ``label`` (local or remote)."""
    if is_url(label):
        return remote_error(exc, label)
    if "expanded paths were empty" in str(exc):
        return InputError("no data file matches", where=label, hint="check the path or glob")
    return InputError(f"cannot read the file: {_first_line(exc)}", where=label, hint=hint)


def read_table(
    path: str | Path, *, columns: list[str] | None = None, allow_empty: bool = False
) -> pl.DataFrame:
    """Read a data source (optionally only some columns), refusing empty data and missing columns."""
    label = source_label(path)
    lazy = scan_table(path)
    schema = collect_schema(lazy, label)
    if columns:
        require_columns(label, list(schema), columns)
        lazy = lazy.select(columns)
    try:
        frame = lazy.collect()
    except Exception as exc:
        raise read_error(exc, label, "check the file's format and encoding") from exc
    if frame.height == 0 and not allow_empty:
        raise InputError("the file has no rows", where=label, hint="pass a file with data")
    return frame


def require_columns(path: str | Path, available: list[str], wanted: list[str]) -> None:
    """Raise one message naming the first missing column and listing what the file has."""
    for name in wanted:
        if name not in available:
            shown = ", ".join(available[:20]) + (" ..." if len(available) > 20 else "")
            raise InputError(
                f"column {name!r} does not exist", where=source_label(path), hint=f"the file has: {shown}"
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
