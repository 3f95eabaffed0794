"""Running the step types AutomatosX added: ``parallel``, ``discuss``, ``loop`` and ``delegate``.

What each means (docs/workflows.md, "Migrating from AutomatosX"):

* ``parallel`` -- its child steps run at the same time, each in its own thread; each child is a
  checklist row, committed the moment it finishes, so a crash loses only the children still in
  flight and a resume runs just those.
* ``discuss`` -- several personas answer the question in rounds (from round 2 on, each sees what
  the others said in the round before and refines its answer), then one persona, the
  synthesiser, writes the combined answer. With ``pattern: voting`` each states a vote and the
  most common one wins.
* ``loop`` -- its body runs once per item (``item``/``index`` are variables inside), at most
  ``maxIterations`` and never more than ``MAX_LOOP_ITERATIONS`` times.
* ``delegate`` -- one persona hands the task to another through the router's delegation rules
  (the delegating persona's ``maxDelegationDepth`` and preferred delegates; cycles refused).

Nothing here decides when a session row is committed except the parallel block, which must:
its children are rows. ``session.py`` calls :func:`run_composite` from ``run_auto``.
"""

from __future__ import annotations

import concurrent.futures
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from axtui.core.workflow.forms import FALLBACK_AGENT, MAX_LOOP_ITERATIONS, discuss_agents
from axtui.core.workflow.model import Step
from axtui.core.workflow.runner import (
    export_outputs,
    run_compute,
    run_tool,
    step_timeout_seconds,
    with_retries,
)
from axtui.core.workflow.templates import is_missing, lookup, render
from axtui.errors import AxtuiError, InputError, ProviderError
from axtui.values import comma_list

if TYPE_CHECKING:
    from axtui.core.workflow.session import Event, Session

MAX_PARALLEL_THREADS = 4
_VOTE_RE = re.compile(r"^\s*\**\s*vote\s*\**\s*[:\-]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


# -- one step, run without a person ---------------------------------------------------------
def run_inline(session: Session, step: Step, variables: Mapping[str, Any], token: str) -> tuple[Any, dict]:
    """(result, exports) of a step that needs no person; used for parallel children and loop bodies."""
    if step.type == "tool":
        result = run_tool(step, variables, session.engine.memory, session_id=session.id, write_token=token)
        return result, export_outputs(step, result, variables)
    if step.type == "compute":
        result = run_compute(step, variables)
        return result, export_outputs(step, result, variables)
    if step.type == "prompt":
        return _prompt(session, step, variables)
    if step.type == "discuss":
        result = run_discuss(session, step, variables)
        return result, export_outputs(step, result, variables, result["synthesis"])
    if step.type == "delegate":
        result = run_delegate(session, step, variables)
        return result, export_outputs(step, result, variables, result["answer"])
    raise InputError(f"a {step.type} step cannot run here", where=f"step {step.id}")


def _turn(session: Session, persona: Any, step: Step, task: str, conversation_id: str | None = None) -> Any:
    """One complete answer from ``persona`` (raises the provider's error when the turn failed)."""
    chat = session.engine.chat
    conv = conversation_id or chat.new_conversation(persona.agent_id, session_id=session.id, step_id=step.id)
    result = chat.send(conv, task, persona=persona, timeout=step_timeout_seconds(step))
    if not result.complete:
        if isinstance(result.error, AxtuiError):
            raise result.error
        raise ProviderError(f"the {persona.agent_id} answer was incomplete", where=f"step {step.id}")
    result.conversation_id = conv
    return result


def _prompt(session: Session, step: Step, variables: Mapping[str, Any]) -> tuple[Any, dict]:
    persona = session.engine.persona(step.agent or FALLBACK_AGENT)
    task = str(render(step.config.get("task", ""), variables, step_id=step.id))
    turn = _turn(session, persona, step, task)
    result = {
        "answer": turn.text,
        "content": turn.text,
        "model": turn.model,
        "turns": 1,
        "agent": persona.agent_id,
        "conversation_id": turn.conversation_id,
    }
    return result, export_outputs(step, result, variables, turn.text)


# -- parallel ---------------------------------------------------------------------------------
def run_parallel(session: Session, r: Any, emit: Callable[[Event], None]) -> dict[str, Any]:
    """Run the children not yet done concurrently; commit each as it finishes; raise the first failure.

    Called with the session lock held: worker threads only compute, and this thread commits.
    """
    from axtui.core.workflow.state import Event

    variables = session._frozen_vars(r)
    rows = [session._rows[child.id] for child in r.step.parallel]
    todo = [row for row in rows if row.status != "done"]
    for row in todo:
        row.status, row.error = "running", None
        row.attempts += 1
        row.started_at = row.started_at or session._now()
        session._commit(row)
        emit(Event("started", row.step.id, row.step.title, {"parallel": r.step.id}))

    def attempt(row: Any) -> tuple[Any, dict]:
        token = row.step.id if row.generation == 1 else f"{row.step.id}@{row.generation}"
        return with_retries(row.step, lambda _a: run_inline(session, row.step, variables, token))

    failures: list[tuple[Any, BaseException]] = []
    workers = max(1, min(MAX_PARALLEL_THREADS, len(todo)))
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix=f"par-{r.step.id}"
    ) as pool:
        futures = {pool.submit(attempt, row): row for row in todo}
        for future in concurrent.futures.as_completed(futures):
            row = futures[future]
            try:
                result, exports = future.result()
            except Exception as exc:
                failures.append((row, exc))
                session._fail_row(row, exc)
                emit(Event("failed", row.step.id, row.error or str(exc)))
                continue
            row.config = {"parallel": r.step.id}
            row.conversation_id = result.get("conversation_id") if isinstance(result, dict) else None
            session._finish_row(row, result, exports)
            emit(Event("done", row.step.id, row.step.title, {"result": result}))
    if failures:
        row, exc = failures[0]
        raise exc
    return {"count": len(rows), "steps": {row.step.id: row.result for row in rows}}


# -- loop -------------------------------------------------------------------------------------
def loop_items(step: Step, variables: Mapping[str, Any]) -> list[Any]:
    """The items: ``config.items`` (a list or a template of one) or the ``itemsPath`` variable."""
    cfg = step.config
    if "itemsPath" in cfg and "items" not in cfg:
        found = lookup(variables, str(cfg["itemsPath"]))
        if is_missing(found):
            raise InputError(f"loop items {cfg['itemsPath']!r} have no value", where=f"step {step.id}")
    else:
        found = render(cfg.get("items"), variables, step_id=step.id)
    if isinstance(found, str):
        import json

        try:
            found = json.loads(found)
        except ValueError:
            found = comma_list(found) or []
    if not isinstance(found, list):
        raise InputError(
            f"loop items must be a list, got {type(found).__name__}",
            where=f"step {step.id}",
            hint="give config.items a list, or a {{variable}} that holds one",
        )
    return found


def run_loop(session: Session, r: Any, emit: Callable[[Event], None]) -> dict[str, Any]:
    """Run the body once per item, bounded; an iteration sees ``item``, ``index``, earlier body results."""
    from axtui.core.workflow.state import Event

    step = r.step
    variables = session._frozen_vars(r)
    items = loop_items(step, variables)
    cap = min(int(step.config.get("maxIterations") or MAX_LOOP_ITERATIONS), MAX_LOOP_ITERATIONS)
    iterations: list[dict[str, Any]] = []
    for index, item in enumerate(items[:cap]):
        scope = {**variables, "item": item, "index": index, "loop": {"item": item, "index": index}}
        record: dict[str, Any] = {"index": index, "item": item}
        for body in step.body:
            token = f"{step.id}[{index}].{body.id}" + (f"@{r.generation}" if r.generation > 1 else "")
            result, exports = with_retries(
                body, lambda _a, b=body, t=token, s=scope: run_inline(session, b, s, t)
            )
            scope[body.id] = result
            scope.update(exports)
            record[body.id] = result
        iterations.append(record)
        emit(Event("progress", step.id, f"iteration {index + 1} of {min(len(items), cap)} done"))
    last = step.body[-1].id if step.body else None
    return {
        "count": len(iterations),
        "items": items[:cap],
        "truncated": len(items) > cap,
        "iterations": iterations,
        "results": [it.get(last) for it in iterations] if last else [],
    }


# -- discuss ----------------------------------------------------------------------------------
def _participants(session: Session, names: list[str]) -> list[tuple[str, Any]]:
    """(label, persona) per participant; a name that is no persona (an LLM provider such as
    ``claude`` in AutomatosX's files) is answered by the generalist under that label."""
    out = []
    for name in names:
        try:
            persona = session.engine.persona(name)
        except AxtuiError:
            persona = session.engine.persona(FALLBACK_AGENT)
        out.append((name, persona))
    return out


def _round_task(
    question: str, pattern: str, round_no: int, rounds: int, others: list[tuple[str, str]]
) -> str:
    parts = [question.strip()]
    if pattern == "voting":
        parts.append("End your answer with one line `VOTE: <your choice>`.")
    if others:
        said = "\n\n".join(f"[{label}]\n{text.strip()}" for label, text in others)
        verb = (
            "critique it and then give your revised answer"
            if pattern in ("critique", "debate")
            else "refine your answer"
        )
        parts.append(
            f"Round {round_no} of {rounds}. The other participants said:\n\n{said}\n\n"
            f"Consider their points, {verb}."
        )
    return "\n\n".join(parts)


def run_discuss(session: Session, step: Step, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Rounds of answers from every participant, then one synthesis (and, for voting, the winner)."""
    cfg = step.config
    question = str(render(cfg.get("task", ""), variables, step_id=step.id))
    pattern = str(cfg.get("pattern", "synthesis"))
    rounds = int(cfg.get("rounds", 2))
    consensus_cfg = cfg.get("consensus") if isinstance(cfg.get("consensus"), dict) else {}
    keep_going = cfg.get("continueOnProviderFailure", True) is not False
    minimum = int(cfg.get("minProviders", 2))
    people = _participants(session, discuss_agents(cfg))
    chat = session.engine.chat
    conversations = {
        label: chat.new_conversation(
            p.agent_id, session_id=session.id, step_id=step.id, title=f"{step.id}: {label}"
        )
        for label, p in people
    }
    history: list[dict[str, Any]] = []
    failed: list[str] = []
    previous: list[tuple[str, str]] = []
    for round_no in range(1, rounds + 1):
        responses = []
        for label, persona in people:
            if label in failed:
                continue
            others = [(lbl, text) for lbl, text in previous if lbl != label]
            task = _round_task(question, pattern, round_no, rounds, others)
            try:
                turn = _turn(session, persona, step, task, conversations[label])
            except AxtuiError:
                if not keep_going:
                    raise
                failed.append(label)
                continue
            responses.append(
                {"provider": label, "agent": persona.agent_id, "round": round_no, "content": turn.text}
            )
        if len(people) - len(failed) < minimum:
            raise ProviderError(
                f"only {len(people) - len(failed)} of {len(people)} participants answered "
                f"(minProviders is {minimum})",
                where=f"step {step.id}",
                hint="check the model configuration, or lower minProviders",
            )
        history.append({"roundNumber": round_no, "responses": responses})
        previous = [(resp["provider"], resp["content"]) for resp in responses]
    consensus = _consensus(pattern, consensus_cfg, previous, people)
    synthesis = _synthesise(session, step, question, previous, consensus, consensus_cfg, people)
    return {
        "type": "discuss",
        "pattern": pattern,
        "topic": question,
        "participatingProviders": [label for label, _p in people if label not in failed],
        "failedProviders": failed,
        "rounds": history,
        "synthesis": synthesis,
        "content": synthesis,
        "answer": synthesis,
        "consensus": consensus,
    }


def _consensus(
    pattern: str, cfg: Mapping[str, Any], final: list[tuple[str, str]], people: list[tuple[str, Any]]
) -> dict[str, Any]:
    labels = [label for label, _p in people]
    synthesizer = cfg.get("synthesizer") if cfg.get("synthesizer") in labels else labels[0]
    method = str(cfg.get("method", "voting" if pattern == "voting" else "synthesis"))
    out: dict[str, Any] = {"method": method, "synthesizer": synthesizer}
    if method == "voting" or pattern == "voting":
        votes = Counter()
        for _label, text in final:
            found = _VOTE_RE.findall(text)
            if found:
                votes[found[-1].strip().strip("*").strip()] += 1
        out["votes"] = dict(votes)
        top = votes.most_common(2)
        threshold = float(cfg.get("threshold", 0.5))
        share = top[0][1] / max(1, len(final)) if top else 0.0
        tied = len(top) > 1 and top[0][1] == top[1][1]
        out["winner"] = top[0][0] if top and not tied and share >= threshold else None
        out["confidence"] = round(share, 3)
    return out


def _synthesise(
    session: Session,
    step: Step,
    question: str,
    final: list[tuple[str, str]],
    consensus: dict[str, Any],
    cfg: Mapping[str, Any],
    people: list[tuple[str, Any]],
) -> str:
    persona = dict(people)[consensus["synthesizer"]]
    answers = "\n\n".join(f"[{label}]\n{text.strip()}" for label, text in final)
    dissent = " Note where the participants disagree." if cfg.get("includeDissent") else ""
    vote = f" The vote went to {consensus['winner']}." if consensus.get("winner") else ""
    task = (
        f"{question.strip()}\n\nThe participants' final answers:\n\n{answers}\n\n"
        f"Write one synthesis of these answers.{vote}{dissent}"
    )
    return _turn(session, persona, step, task).text


# -- delegate ---------------------------------------------------------------------------------
def run_delegate(session: Session, step: Step, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The source persona hands the task to its target (or the router's best allowed delegate)."""
    from axtui.core.router import choose_delegate

    cfg = step.config
    chat = session.engine.chat
    source = session.engine.persona(str(cfg.get("agent") or FALLBACK_AGENT))
    task = str(render(cfg.get("task", ""), variables, step_id=step.id))
    depth = int(cfg.get("depth", 0))
    if cfg.get("target"):
        target = session.engine.persona(str(render(cfg["target"], variables, step_id=step.id)))
    else:
        target = choose_delegate(source, task, chat.personas, depth=depth)
        if target is None:
            raise InputError(
                f"{source.agent_id!r} has no delegate it may hand this to",
                where=f"step {step.id}",
                hint="name one with config.targetAgent, or give the persona preferredDelegates "
                "and a maxDelegationDepth above 0",
            )
    conv = chat.new_conversation(source.agent_id, session_id=session.id, step_id=step.id)
    turn = chat.delegate(
        conv, task, persona=source, delegate=target, depth=depth, timeout=step_timeout_seconds(step)
    )
    if not turn.complete:
        if isinstance(turn.error, AxtuiError):
            raise turn.error
        raise ProviderError(f"the {target.agent_id} answer was incomplete", where=f"step {step.id}")
    return {
        "from": source.agent_id,
        "to": target.agent_id,
        "answer": turn.text,
        "content": turn.text,
        "model": turn.model,
        "conversation_id": conv,
    }


def run_composite(session: Session, r: Any, emit: Callable[[Event], None]) -> tuple[Any, dict]:
    """(result, exports) of a parallel, loop, discuss or delegate step (the hook ``run_auto`` calls)."""
    step = r.step
    if step.type == "parallel":
        result = run_parallel(session, r, emit)
        return result, export_outputs(step, result, session.variables)
    variables = session._frozen_vars(r)

    def attempt_fn(_attempt: int) -> tuple[Any, dict]:
        if step.type == "loop":
            result = run_loop(session, r, emit)
            return result, export_outputs(step, result, variables)
        return run_inline(session, step, variables, step.id)

    def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
        from axtui.core.workflow.state import Event

        r.attempts = attempt + 1
        emit(Event("retry", step.id, f"attempt {attempt} failed ({exc}); retrying in {delay:g} s"))

    return with_retries(step, attempt_fn, on_retry=on_retry)
