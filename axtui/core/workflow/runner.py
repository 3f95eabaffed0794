"""Running one automatic step (tool, compute, conditional): timeouts, retries, and what it produces.

Nothing here touches the session tables; ``session.py`` decides when results are
committed. Every function returns ``(result, exports)``: the step's result (the
variable under its id) and the top-level variables it defines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from axtui.core.workflow.conditions import parse_condition, truthy
from axtui.core.workflow.model import OutputSpec, Step
from axtui.core.workflow.templates import is_missing, lookup, render
from axtui.errors import AxtuiError, InputError, NotFoundError

DEFAULT_TIMEOUT_MS = 300_000


class StepTimeout(AxtuiError):
    """A step ran longer than its ``timeout``."""


def step_timeout_seconds(step: Step) -> float | None:
    if step.type == "input":
        return None
    return (step.timeout_ms if step.timeout_ms is not None else DEFAULT_TIMEOUT_MS) / 1000.0


def retryable(exc: BaseException) -> bool:
    """Bad input stays bad: only timeouts, provider trouble and unexpected errors are retried."""
    return not isinstance(exc, InputError | NotFoundError)


def with_retries(
    step: Step,
    attempt_fn: Callable[[int], Any],
    *,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Call ``attempt_fn(attempt)`` up to ``retry.maxAttempts`` times with the step's backoff."""
    attempts = max(1, step.retry.max_attempts)
    for attempt in range(1, attempts + 1):
        try:
            return attempt_fn(attempt)
        except Exception as exc:
            if attempt >= attempts or not retryable(exc):
                raise
            delay = step.retry.delay_before(attempt + 1)
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def call_with_timeout(step: Step, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a worker thread and give up after the step's timeout (the thread is abandoned).

    A plain thread, as a one-worker pool was: not a daemon, so the process still waits for an
    abandoned one at exit. (``concurrent.futures`` and the logging it imports cost a replay
    ≈ 7 ms for nothing, bench/batch.md.)"""
    seconds = step_timeout_seconds(step)
    if seconds is None:
        return fn()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"step-{step.id}")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise StepTimeout(
            f"timed out after {seconds:g} s",
            where=f"step {step.id}",
            hint="raise the step's timeout (milliseconds) in the workflow, or use a smaller data file",
        )
    if "error" in box:
        raise box["error"]
    return box["value"]


def export_outputs(
    step: Step, result: Any, variables: Mapping[str, Any], answer: str | None = None
) -> dict[str, Any]:
    """Top-level variables from ``outputs``: compute/tool paths are relative to the result; prompt paths are
    variable paths (the computed facts), regexes read the accepted answer."""
    import re

    out: dict[str, Any] = {}
    for spec in step.outputs:
        out[spec.name] = _one_output(step, spec, result, variables, answer, re)
    return out


def _one_output(
    step: Step, spec: OutputSpec, result: Any, variables: Mapping[str, Any], answer: str | None, re: Any
) -> Any:
    where = f"step {step.id}, output {spec.name}"
    if spec.source == "answer":
        return answer or ""
    if spec.source == "regex":
        match = re.search(spec.pattern or "", answer or "", re.IGNORECASE | re.MULTILINE)
        if not match:
            if spec.has_default:
                return spec.default
            raise InputError(
                f"the answer has no match for {spec.pattern!r}",
                where=where,
                hint="ask the persona to state it, or give the output a default",
            )
        try:
            text = match.group(spec.group)
        except IndexError:
            text = match.group(0)
        return _typed(text, spec, where)
    path = spec.path or ""
    found: Any
    if step.type in ("compute", "tool"):
        found = lookup({"_": result}, f"_.{path}") if path else result
        if is_missing(found):
            found = lookup(variables, path)
    else:
        found = lookup(variables, path)
    if is_missing(found):
        if spec.has_default:
            return spec.default
        raise InputError(
            f"{path!r} has no value",
            where=where,
            hint="check the output's path against the step's result (axtui export ID --format json)",
        )
    return found


def _typed(text: str, spec: OutputSpec, where: str) -> Any:
    text = text.strip()
    try:
        if spec.type == "number":
            return float(text.replace(",", ""))
        if spec.type == "integer":
            return int(float(text.replace(",", "")))
        if spec.type == "bool":
            return truthy(text)
        if spec.type == "json":
            import json

            return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a {spec.type}", where=where) from exc
    return text


def run_compute(
    step: Step, variables: Mapping[str, Any], on_progress: Callable[[int, int, int], None] | None = None
) -> dict[str, Any]:
    """Run the step's compute from the catalogue: args rendered (unless it reads conditions), bound to its
    signature, run under the step's timeout; errors name the step. ``on_progress`` receives a long
    compute's (done, in all, rows read) reports (``ComputeContext.progress``)."""
    from axtui.core.workflow.computes import ComputeContext, get_compute

    raw_args = step.config.get("args") or {}
    try:
        entry = get_compute(step.config.get("fn"))
        if entry.raw:  # reads conditions and renders texts itself
            args = raw_args
        else:
            from axtui.core.workflow.evidence import strip_not_measured

            args = strip_not_measured(render(raw_args, variables, step_id=step.id))  # absent evidence -> None
        if not isinstance(args, Mapping):
            raise InputError(f"compute {entry.name} args must be a mapping", where=f"{entry.name}: args")
        ctx = ComputeContext(variables, step.id, progress=on_progress)
        return call_with_timeout(step, lambda: entry.run(args, ctx))
    except AxtuiError as exc:
        if not (exc.where or "").startswith(f"step {step.id}"):
            exc.where = f"step {step.id}: {exc.where}" if exc.where else f"step {step.id}"
        raise


def evaluate_conditional(step: Step, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Which branch runs: ``branches`` match the lower-cased value; ``then``/``else`` use its truth."""
    condition = parse_condition(step.config.get("condition"))
    value = condition.evaluate(variables, step_id=step.id)
    if step.branches:
        key = str(value).strip().lower() if value is not None else ""
        chosen = next((k for k in step.branches if k.lower() == key), None)
        if chosen is None and "default" in step.branches:
            chosen = "default"
        return {"value": value, "branch": chosen}
    return {"value": value, "branch": "then" if truthy(value) else "else"}


def ttl_value(config: Mapping[str, Any], variables: Mapping[str, Any], step_id: str) -> Any:
    """``"default"`` when the step gives no ttl (namespace default), None for permanent, else seconds."""
    if "ttl" not in config:
        return "default"
    raw = render(config["ttl"], variables, step_id=step_id)
    if raw is None or raw == "":
        return None
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"ttl must be a number of seconds, got {raw!r}", where=f"step {step_id}") from None
    if seconds <= 0:
        raise InputError(
            f"ttl must be a positive number of seconds, got {raw!r}",
            where=f"step {step_id}",
            hint="omit ttl for the namespace default, or use null for permanent",
        )
    return seconds


def run_tool(
    step: Step, variables: Mapping[str, Any], memory: Any, *, session_id: str, write_token: str
) -> dict[str, Any]:
    """Perform a memory tool step; ``write_token`` makes writes idempotent per session step (and redo)."""
    cfg = step.config
    tool = step.tool
    if tool == "memory_store":
        namespace = render(cfg["namespace"], variables, step_id=step.id)
        key = render(cfg["key"], variables, step_id=step.id)
        value = render(cfg["value"], variables, step_id=step.id)
        merge = truthy(render(cfg.get("merge", False), variables, step_id=step.id))
        entry = memory.store(
            str(namespace),
            str(key),
            value,
            ttl=ttl_value(cfg, variables, step.id),
            merge=merge,
            session_id=session_id,
            step_id=write_token,
        )
        return entry.to_dict()
    if tool == "memory_retrieve":
        namespace = render(cfg["namespace"], variables, step_id=step.id)
        key = render(cfg["key"], variables, step_id=step.id)
        entry = memory.get(str(namespace), str(key))
        if entry is None and truthy(cfg.get("required", False)):
            raise NotFoundError(
                f"no entry {namespace}/{key}",
                where=f"step {step.id}",
                hint="store it first, or set required: false",
            )
        return {
            "found": entry is not None,
            "namespace": namespace,
            "key": key,
            "value": entry.value if entry is not None else None,
            "entry": entry.to_dict() if entry is not None else None,
        }
    if tool == "memory_search":
        query = render(cfg["query"], variables, step_id=step.id)
        namespace = render(cfg.get("namespace"), variables, step_id=step.id)
        limit = int(render(cfg.get("limit", 20), variables, step_id=step.id))
        hits = memory.search(str(query), namespace=namespace, limit=limit)
        items = [
            {"namespace": h.entry.namespace, "key": h.entry.key, "value": h.entry.value, "score": h.score}
            for h in hits
        ]
        return {"query": query, "count": len(items), "hits": items, "values": [i["value"] for i in items]}
    if tool == "memory_delete":
        namespace = render(cfg["namespace"], variables, step_id=step.id)
        key = render(cfg["key"], variables, step_id=step.id)
        return {"deleted": bool(memory.delete(str(namespace), str(key))), "namespace": namespace, "key": key}
    raise InputError(f"unknown tool {tool!r}", where=f"step {step.id}")
