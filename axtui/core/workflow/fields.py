"""Form fields: turning what a person typed (or a JSON/answers file holds) into typed, valid values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axtui.core.workflow.form_rules import order_errors
from axtui.core.workflow.model import Field
from axtui.errors import InputError
from axtui.values import FALSE_WORDS, TRUE_WORDS, NotANumber, to_number

_TRUE = TRUE_WORDS
_FALSE = FALSE_WORDS


class FormError(InputError):
    """One or more fields of a form are invalid; ``errors`` maps field name to message."""

    def __init__(self, step_id: str, errors: dict[str, str]) -> None:
        self.step_id = step_id
        self.errors = dict(errors)
        self.field = next(iter(errors))
        first = errors[self.field]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"field {self.field!r}: {first}{more}",
            where=f"step {step_id}",
            hint="fix the value (see `axtui workflows show` for each field's type and limits)",
        )


class _Invalid(Exception):
    pass


_NOT_A_NUMBER = {
    "bool": lambda _v: "expected a number, got true/false",
    "text": lambda v: f"expected a number, got {v!r}",
    "type": lambda v: f"expected a number, got {type(v).__name__}",
    "infinite": lambda _v: "expected a finite number",
}


def _number(value: Any, integer: bool) -> float | int:
    """A form's number: ``values.to_number``'s rules (no percent sign), an int kept an int."""
    try:
        parsed = to_number(value)
    except NotANumber as exc:
        raise _Invalid(_NOT_A_NUMBER[exc.kind](value)) from None
    number: float | int = value if isinstance(value, int | float) else parsed
    if integer:
        if float(number) != int(number):
            raise _Invalid(f"expected a whole number, got {value!r}")
        return int(number)
    if isinstance(number, float) and number.is_integer() and not isinstance(value, float):
        return int(number)
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid(f"expected yes/no (true/false), got {value!r}")


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [v.strip() if isinstance(v, str) else v for v in value]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return parsed
        sep = "\n" if "\n" in text else ","
        return [item.strip() for item in text.split(sep) if item.strip()]
    raise _Invalid(f"expected a list, got {type(value).__name__}")


def coerce(field: Field, value: Any) -> Any:
    """The typed value for ``field``, or ``_Invalid`` with a message a person can act on."""
    kind = field.type
    if kind in ("number", "integer"):
        out: Any = _number(value, kind == "integer")
        if field.min is not None and out < field.min:
            raise _Invalid(f"must be at least {field.min:g}, got {out:g}")
        if field.max is not None and out > field.max:
            raise _Invalid(f"must be at most {field.max:g}, got {out:g}")
        return out
    if kind == "bool":
        return _bool(value)
    if kind == "list":
        out = _list(value)
        if field.min is not None and len(out) < field.min:
            raise _Invalid(f"needs at least {field.min:g} item(s), got {len(out)}")
        if field.max is not None and len(out) > field.max:
            raise _Invalid(f"allows at most {field.max:g} item(s), got {len(out)}")
        if field.choices:
            bad = [v for v in out if v not in field.choices]
            if bad:
                raise _Invalid(f"{bad[0]!r} is not one of: {', '.join(map(str, field.choices))}")
        return out
    if kind == "json":
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise _Invalid(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        return value
    if kind == "choice":
        choices = field.choices or []
        for choice in choices:
            if value == choice or (isinstance(value, str) and str(choice).lower() == value.strip().lower()):
                return choice
        raise _Invalid(f"{value!r} is not one of: {', '.join(map(str, choices))}")
    # text and path
    if isinstance(value, dict | list):
        raise _Invalid(f"expected text, got {type(value).__name__}")
    text = value if isinstance(value, str) else str(value)
    if kind == "path":
        text = text.strip()
        if field.must_exist and not Path(text).expanduser().exists():
            raise _Invalid(f"file not found: {text}")
        return text
    if field.min is not None and len(text) < field.min:
        raise _Invalid(f"must be at least {field.min:g} characters")
    if field.max is not None and len(text) > field.max:
        raise _Invalid(f"must be at most {field.max:g} characters")
    if field.regex and not re.fullmatch(field.regex, text):
        raise _Invalid(f"does not match the pattern {field.regex}")
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_SCHEMA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".json", ".jsonl", ".ndjson")
_SHOWN_COLUMNS = 20
_JSON_HEAD_BYTES = 1 << 20


def file_columns(path: str | Path) -> list[str]:
    """The column names of a data file, reading only its schema: the CSV header, the Parquet footer,
    the first JSON record. Raises ``_Invalid`` with a message naming what is wrong with the file."""
    p = Path(path).expanduser()
    suffix = p.suffix.lower()
    if suffix not in _SCHEMA_SUFFIXES:
        raise _Invalid(f"unsupported file type {suffix or '(none)'!r} (use .csv, .parquet, .json or .jsonl)")
    try:
        if suffix in (".csv", ".tsv"):
            import csv

            with p.open(newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle, delimiter="\t" if suffix == ".tsv" else ","), None)
            if not header:
                raise _Invalid("the file is empty (no header row)")
            return list(header)  # as polars names them (no stripping)
        import polars as pl

        if suffix in (".parquet", ".pq"):
            return list(pl.read_parquet_schema(p))
        if suffix in (".jsonl", ".ndjson"):
            return list(pl.scan_ndjson(p, infer_schema_length=100).collect_schema().names())
        return _json_array_columns(p)
    except _Invalid:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise _Invalid(f"cannot read the file: {exc}") from None
    except Exception as exc:  # polars raises many kinds; all mean "cannot read this file's schema"
        first = str(exc).strip().splitlines()
        raise _Invalid(
            f"cannot read the file's columns: {first[0] if first else type(exc).__name__}"
        ) from None


def _json_array_columns(path: Path) -> list[str]:
    """Keys of the first record of a JSON array (or object of columns), from the file's first megabyte."""
    with path.open(encoding="utf-8") as handle:
        head = handle.read(_JSON_HEAD_BYTES)
    text = head.lstrip()
    decoder = json.JSONDecoder()
    try:
        if text.startswith("["):
            first, _end = decoder.raw_decode(text[1:].lstrip())
        else:
            first, _end = decoder.raw_decode(text)
    except json.JSONDecodeError:
        if len(head) < _JSON_HEAD_BYTES:
            raise _Invalid("not valid JSON") from None
        import polars as pl  # a first record over 1 MB: let polars read it

        return list(pl.read_json(path).columns)
    if not isinstance(first, dict):
        raise _Invalid("expected a JSON array of records")
    return [str(k) for k in first]


def required_columns(field: Field, values: Mapping[str, Any]) -> list[str]:
    """The column names ``field.columns`` asks for, given the form's values: ``{{name}}`` items take the
    named input's value (a list adds each item); unset or blank inputs add nothing."""
    from axtui.core.workflow.templates import TEMPLATE_RE, WHOLE_RE, is_missing, lookup

    out: list[str] = []
    for item in field.columns or []:
        whole = WHOLE_RE.match(item)
        if whole:
            value = lookup(values, whole.group(1))
            found = [] if is_missing(value) or value is None else value
            names = found if isinstance(found, list | tuple) else [found]
        else:
            missing = [
                m.group(1) for m in TEMPLATE_RE.finditer(item) if is_missing(lookup(values, m.group(1)))
            ]
            if missing:
                continue
            names = [TEMPLATE_RE.sub(lambda m: str(lookup(values, m.group(1))), item)]
        for name in names:
            text = str(name).strip()
            if text and text not in out:
                out.append(text)
    return out


def check_data_file(field: Field, path: Any, values: Mapping[str, Any]) -> str | None:
    """Why the file given for ``field`` cannot be used (missing, a folder, lacking a column), else None.

    The one schema check every front end shares (the TUI form, ``--input``/answers for headless runs,
    ``--batch``), so a session never starts computing on a file that lacks what its steps need.
    """
    if path is None or (isinstance(path, str) and not path.strip()):
        return None
    p = Path(str(path)).expanduser()
    if not p.exists():
        return f"file not found: {path}"
    if p.is_dir():
        return f"{path} is a folder; give the data file itself"
    try:
        available = file_columns(p)
    except _Invalid as exc:
        return f"{path}: {exc}"
    missing = [c for c in required_columns(field, values) if c not in available]
    if not missing:
        return None
    shown = ", ".join(available[:_SHOWN_COLUMNS]) + (" ..." if len(available) > _SHOWN_COLUMNS else "")
    names = ", ".join(repr(c) for c in missing)
    return f"{path} has no column{'s' if len(missing) > 1 else ''} {names} (the file has: {shown})"


def validate_form(
    step_id: str,
    fields: list[Field],
    values: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Typed values for every field (defaults filled in); raises ``FormError`` listing every bad field.

    ``context`` holds the session's variables, so a field's ``columns:`` may name an earlier input.
    Cross-field rules (threshold order, ``form_rules``) are checked here too, for every front end.
    """
    known = {f.name for f in fields}
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in values:
        if name not in known:
            errors[name] = f"unknown field (this step asks for: {', '.join(sorted(known)) or 'nothing'})"
    for field in fields:
        raw = values.get(field.name)
        if _blank(raw) and (field.type != "list" or raw is None):
            if field.has_default:
                out[field.name] = field.default
                if (
                    field.default is not None
                    and field.type == "path"
                    and field.must_exist
                    and not Path(str(field.default)).expanduser().exists()
                ):
                    errors[field.name] = f"file not found: {field.default}"
                continue
            if field.required:
                errors[field.name] = "a value is required"
                continue
            out[field.name] = None
            continue
        try:
            out[field.name] = coerce(field, raw)
        except _Invalid as exc:
            errors[field.name] = str(exc)
    scope = {**(context or {}), **out}
    for field in fields:
        if field.columns is not None and field.name not in errors and field.name in out:
            problem = check_data_file(field, out[field.name], scope)
            if problem:
                errors[field.name] = problem
    valid = [f for f in fields if f.name not in errors]  # a pair is judged once both values are good
    for name, message in order_errors(valid, out).items():
        errors.setdefault(name, message)
    if errors:
        raise FormError(step_id, errors)
    return out
