"""Many real processes on one database file: headless runs, CLI writers, a writer and a reader loop.

Asserts on rows, never on timings: every run completes, no write is lost or duplicated, no read
fails while others write, and every writer that loses a wait is told who holds the file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from axtui.core.store import Store

REPO = Path(__file__).resolve().parent.parent
WRITES = 40
READS = 30

WRITER_LOOP = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    memory = Memory(Store(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        memory.store("ml-experiments", f"w-{i}", {"i": i, "writer": "loop"})
    print("wrote", flush=True)
""")

READER_LOOP = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    memory = Memory(Store(sys.argv[1]))
    seen = [len(memory.list("ml-experiments")) for _ in range(int(sys.argv[2]))]
    assert seen == sorted(seen), seen  # what a reader sees only ever grows
    print("read", len(seen), flush=True)
""")

ONE_WRITE = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    Memory(Store(sys.argv[1])).store("ml-experiments", sys.argv[2], {"by": "another process"})
""")

HOLDER = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    with store.transaction():
        Memory(store).store("ml-experiments", "holder", {"uncommitted": True})
        print("holding", flush=True)
        sys.stdin.readline()
        raise SystemExit(1)  # roll back: the held write never lands
""")


def env(wait: str = "120") -> dict[str, str]:
    return {**os.environ, "AXTUI_DB_WAIT": wait}


def axtui(db: Path, *argv: str, wait: str = "120") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "axtui", "--db", str(db), *argv],
        cwd=REPO,
        env=env(wait),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def script(source: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", source, *argv],
        cwd=REPO,
        env=env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def test_headless_runs_cli_writers_and_loops_share_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    runs = [
        axtui(db, "--json", "run", "ml-model-monitoring", "--headless", "--input",
              "@examples/inputs/ml-model-monitoring.json")
        for _ in range(3)
    ]  # fmt: skip
    writer = script(WRITER_LOOP, str(db), str(WRITES))
    reader = script(READER_LOOP, str(db), str(READS))
    cli_writers = [
        axtui(db, "memory", "store", "-n", "ml-experiments", "-k", f"cli-{i}", "-v", f'{{"i": {i}}}')
        for i in range(2)
    ]
    for proc in [*runs, writer, reader, *cli_writers]:
        code, _out, err = finish(proc)
        assert code == 0, err
        assert "Traceback" not in err

    with Store(db) as store:
        sessions = store.query("SELECT id, status, steps_done, steps_total FROM sessions")
        assert len(sessions) == 3
        assert all(status == "completed" and done == total for _id, status, done, total in sessions)
        # every step of every run landed exactly once
        per_session = store.query(
            "SELECT session_id, count(*), count(DISTINCT step_id) FROM step_results GROUP BY session_id"
        )
        assert len(per_session) == 3 and all(n == distinct for _s, n, distinct in per_session)
        assert len({n for _s, n, _d in per_session}) == 1
        # the loop's and the CLI's writes: all there, once each
        rows = store.query(
            "SELECT key, version FROM memory_entries WHERE namespace = 'ml-experiments' "
            "AND (key LIKE 'w-%' OR key LIKE 'cli-%')"
        )
        expected = {f"w-{i}" for i in range(WRITES)} | {"cli-0", "cli-1"}
        assert {k for k, _v in rows} == expected and all(v == 1 for _k, v in rows)
        history = store.query(
            "SELECT key, count(*) FROM memory_history WHERE key LIKE 'w-%' OR key LIKE 'cli-%' GROUP BY key"
        )
        assert dict(history) == dict.fromkeys(expected, 1)
        # each run wrote the same memory rows, none twice
        by_run = store.query(
            "SELECT session_id, count(*), count(DISTINCT (namespace, key, step_id)) FROM memory_history "
            "WHERE session_id IS NOT NULL GROUP BY session_id"
        )
        assert len(by_run) == 3 and all(n == distinct for _s, n, distinct in by_run)
        assert len({n for _s, n, _d in by_run}) == 1


def test_every_loser_of_a_wait_is_told_who_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    Store(db).close()
    holder = script(HOLDER, str(db))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        losers = [
            axtui(db, "memory", "store", "-n", "ml-experiments", "-k", f"late-{i}", "-v", "1", wait="1")
            for i in range(3)
        ]
        for proc in losers:
            code, _out, err = finish(proc)
            assert code == 2
            assert f"in use by process {holder.pid}" in err and "python" in err
            assert "Traceback" not in err and err.count("error:") == 1
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    with Store(db) as store:
        assert store.query("SELECT count(*) FROM memory_entries")[0][0] == 0
        assert store.query("SELECT count(*) FROM memory_history")[0][0] == 0
    code, _out, err = finish(axtui(db, "memory", "store", "-n", "ml-experiments", "-k", "after", "-v", "1"))
    assert code == 0, err


def test_a_writer_in_a_tight_loop_does_not_starve_the_others(tmp_path: Path) -> None:
    """The turnstile: each waiter gets its turn between the loop's writes, well inside its wait."""
    db = tmp_path / "busy.duckdb"
    Store(db).close()
    loop = script(WRITER_LOOP, str(db), "400")
    try:
        others = [
            axtui(db, "memory", "store", "-n", "ml-experiments", "-k", f"other-{i}", "-v", "1", wait="20")
            for i in range(3)
        ]
        for proc in others:
            code, _out, err = finish(proc)
            assert code == 0, err
        assert loop.poll() is None or loop.returncode == 0  # the loop was still writing meanwhile
    finally:
        loop.kill()
        loop.wait()
    with Store(db) as store:
        keys = {r[0] for r in store.query("SELECT key FROM memory_entries WHERE key LIKE 'other-%'")}
    assert keys == {"other-0", "other-1", "other-2"}


def test_a_headless_compute_step_does_not_hold_the_file(tmp_path: Path, monkeypatch: Any) -> None:
    """A compute (and its retries) runs before its step's one transaction opens: a writer in
    another process gets the file meanwhile, within a 2 s wait, and the step still commits once."""
    from axtui.config import Settings
    from axtui.core.file_lock import gate_for
    from axtui.core.memory import Memory
    from axtui.core.workflow import Engine, computes
    from axtui.core.workflow.catalog import workflow_from_source

    db = tmp_path / "compute.duckdb"
    store = Store(db)
    seen: list[tuple[bool, int]] = []

    def probe(n: int) -> dict[str, Any]:
        writer = subprocess.run(
            [sys.executable, "-c", ONE_WRITE, str(db), f"during-{len(seen)}"],
            cwd=REPO, env=env(wait="2"), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        seen.append((gate_for(db).con is None, writer.returncode))
        if len(seen) == 1:
            raise RuntimeError("transient")  # retried: the back-off is outside the transaction too
        return {"n": n}

    monkeypatch.setitem(computes.CATALOGUE, "probe", computes.describe(probe, "probe"))
    flow = workflow_from_source(
        """
workflowId: probe
name: Probe
steps:
  - {stepId: p, type: compute, retry: {maxAttempts: 2, backoffMs: 1}, config: {fn: probe, args: {n: 1}}}
  - {stepId: save, type: tool, tool: memory_store,
     config: {namespace: ml-experiments, key: probe, value: {n: "{{p.n}}"}}}
""",
        "probe.yaml",
    )
    session = Engine(store, Settings(db_path=db)).start(flow, {})
    assert session.run_headless({}).status == "completed"
    assert seen == [(True, 0), (True, 0)]
    keys = {e.key for e in Memory(store).list("ml-experiments")}
    assert keys == {"during-0", "during-1", "probe"}
    rows = store.query(
        "SELECT step_id, status, attempts FROM step_results WHERE session_id = ?", [session.id]
    )
    assert sorted(rows) == [("p", "done", 2), ("save", "done", 1)]
