"""Answers for headless runs: form values per input step, follow-up questions per prompt step."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axtui.errors import InputError


def normalise_answers(data: Any, where: str) -> dict[str, Any]:
    """``{step_id: {field: value} | {followups: [...]} | [follow-up, ...]}``; a top-level ``answers`` key is
    unwrapped, so a replay file works as an answers file too."""
    if data is None:
        return {}
    if (
        isinstance(data, Mapping)
        and "answers" in data
        and isinstance(data.get("answers"), Mapping | None)
        and ("workflow" in data or len(data) == 1)
    ):
        data = data.get("answers") or {}
    if not isinstance(data, Mapping):
        raise InputError(
            "answers must be a mapping of step id to answers",
            where=where,
            hint='e.g. {"define-problem": {"problem_type": "classification"}}',
        )
    out: dict[str, Any] = {}
    for step_id, value in data.items():
        if isinstance(value, list):
            value = {"followups": [str(v) for v in value]}
        elif isinstance(value, str):
            value = {"followups": [value]}
        elif value is None:
            value = {}
        elif not isinstance(value, Mapping):
            raise InputError(
                f"answers for step {step_id!r} must be a mapping (form values) or a list "
                "(follow-up questions)",
                where=where,
            )
        out[str(step_id)] = dict(value)
    return out


def read_data_file(path: str | Path, what: str) -> Any:
    """A JSON or YAML file (``.json`` is parsed as JSON, anything else as YAML)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"{what} file not found", where=str(p), hint="check the path")
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"the {what} file is not valid JSON: {exc.msg}", where=f"{p}:{exc.lineno}:{exc.colno}"
            ) from exc
    from axtui.core.workflow.loader import YamlProblem, parse_yaml, plain

    try:  # YAML 1.2 like workflow files: an answer `NO` is the text "NO", aliases are bounded
        return plain(parse_yaml(text, str(p)))
    except YamlProblem as exc:
        raise InputError(f"the {what} file is not valid YAML: {exc.message}", where=exc.where) from exc


def read_answers(path: str | Path) -> dict[str, Any]:
    return normalise_answers(read_data_file(path, "answers"), str(path))


def parse_inputs_arg(value: str | None) -> dict[str, Any]:
    """``--input '{"a": 1}'`` or ``--input @file.json`` (YAML files accepted too)."""
    if not value:
        return {}
    if value.startswith("@"):
        data = read_data_file(value[1:], "input")
        where = value[1:]
    else:
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"--input is not valid JSON: {exc.msg} (column {exc.colno})",
                hint="quote the JSON for your shell, or use --input @file.json",
            ) from exc
        where = "--input"
    if not isinstance(data, Mapping):
        raise InputError("--input must be a JSON object of input names to values", where=where)
    return dict(data)
