"""The store lease (core/store_lease.py) with real processes: a leased run hands the file over.

A process inside ``Store.lease()`` keeps its DuckDB connection between units of work. These tests
check what that must never cost: a writer in another process gets in (within a 10 s wait, a third
of the default give-up), no write is lost or duplicated, a SIGKILL loses nothing committed, and an
idle lease is given back. They assert on rows and exit codes, never on timings.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from axtui.core import store_lease
from axtui.core.file_lock import gate_for
from axtui.core.memory import Memory
from axtui.core.store import Store
from tests.replay_support import REPO, replay_file
from tests.test_concurrency import WRITER_LOOP  # writes w-0, w-1, ...

WAIT = "10"  # AXTUI_DB_WAIT of the other process: well under the 30 s default

# Counts DuckDB opens, so a test can tell the lease was used (fewer opens than units) and given
# back (more than one open) without looking at a clock.
COUNT_OPENS = """
from axtui.core.store import duckdb  # the engine module the store opens files with
OPENS = [0]
_connect = duckdb.connect
def _counting(*a, **k):
    OPENS[0] += 1
    return _connect(*a, **k)
duckdb.connect = _counting
"""

# Writes lease-0, lease-1, ... in one lease, one unit each, until the other process's writes
# have all landed (so the two always overlap) and at least 200 units are done (so some are
# leased whatever the other's pace), then prints its units and opens.
LEASED_WRITER = COUNT_OPENS + textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    memory, want, i = Memory(store), int(sys.argv[2]), 0
    with store.lease():
        while i < 20000:
            memory.store("ml-experiments", f"lease-{i}", {"i": i})
            i += 1
            if i >= 200 and len(memory.list("ml-experiments", prefix="w-")) >= want:
                break
    print(i, OPENS[0], flush=True)
""")

# Commits one write per unit inside a lease and says so after each commit, until killed.
KILLED_WRITER = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    memory = Memory(store)
    with store.lease():
        for i in range(100000):
            memory.store("ml-experiments", f"k-{i}", {"i": i})
            print(i, flush=True)
""")

# Writes until the replayed session is completed (at least 5 writes), so it runs beside the replay.
WRITER_BESIDE_REPLAY = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    memory, i = Memory(store), 0
    while i < 2000:
        memory.store("ml-experiments", f"w-{i}", {"i": i})
        i += 1
        done = store.query("SELECT count(*) FROM sessions WHERE status = 'completed'")[0][0]
        if i >= 5 and done:
            break
    print(i, flush=True)
""")


def run_python(source: str, *argv: str, wait: str = WAIT) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", source, *argv],
        cwd=REPO,
        env={**os.environ, "AXTUI_DB_WAIT": wait},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    return out


def written_once(db: Path, prefix: str) -> dict[str, int]:
    """Key -> history rows of the keys with ``prefix`` (each must be 1: written once, none lost)."""
    with Store(db) as store:
        rows = store.query(
            "SELECT key, count(*) FROM memory_history WHERE key LIKE ? GROUP BY key", [prefix + "%"]
        )
        live = {r[0] for r in store.query("SELECT key FROM memory_entries WHERE key LIKE ?", [prefix + "%"])}
    counts = dict(rows)
    assert set(counts) == live
    return counts


def test_a_leased_writer_lets_another_process_write(tmp_path: Path) -> None:
    db = tmp_path / "lease.duckdb"
    Store(db).close()
    others = 20
    leased = run_python(LEASED_WRITER, str(db), str(others))
    other = run_python(WRITER_LOOP, str(db), str(others))
    finish(other)
    units, opens = (int(x) for x in finish(leased).split())
    assert 1 < opens < units  # the connection was kept across units, and given back to the other
    assert written_once(db, "w-") == {f"w-{i}": 1 for i in range(others)}
    assert written_once(db, "lease-") == {f"lease-{i}": 1 for i in range(units)}


def test_a_batch_replay_with_a_lease_lets_a_writer_in(tmp_path: Path) -> None:
    db = tmp_path / "replay.duckdb"
    Store(db).close()
    replay = replay_file(tmp_path, "ml-ab-testing")
    writer = run_python(WRITER_BESIDE_REPLAY, str(db))
    batch = subprocess.Popen(
        [sys.executable, "-m", "axtui", "--db", str(db), "--json", "--batch", str(replay)],
        cwd=REPO,
        env={**os.environ, "AXTUI_DB_WAIT": WAIT},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    summary = json.loads(finish(batch))
    writes = int(finish(writer))
    assert summary["status"] == "completed"
    assert written_once(db, "w-") == {f"w-{i}": 1 for i in range(writes)}
    with Store(db) as store:
        steps = store.query(
            "SELECT count(*), count(DISTINCT step_id) FROM step_results WHERE session_id = ?",
            [summary["session_id"]],
        )
        done, total = store.query(
            "SELECT steps_done, steps_total FROM sessions WHERE id = ?", [summary["session_id"]]
        )[0]
    assert steps[0][0] == steps[0][1] and done == total


def test_sigkill_during_a_leased_run_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "killed.duckdb"
    Store(db).close()
    proc = run_python(KILLED_WRITER, str(db))
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        last = int(line)
        if last >= 30:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert last >= 30
    counts = written_once(db, "k-")
    assert {f"k-{i}" for i in range(last + 1)} <= set(counts)  # every write it reported committed
    assert set(counts.values()) == {1} and len(counts) <= last + 2  # at most the one in flight
    Memory(Store(db, lock_timeout=10)).store("ml-experiments", "after", {"ok": True})  # the lock died with it


def test_an_idle_lease_is_given_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(db_path)
    gate = gate_for(db_path)
    monkeypatch.setattr(store_lease, "MAX_HOLD_S", 600.0)
    monkeypatch.setattr(store_lease, "IDLE_S", 600.0)  # however slow this machine is right now
    with store.lease():
        Memory(store).store("ml-experiments", "a", {"n": 1})
        assert gate.held is not None  # kept after the unit
        monkeypatch.setattr(store_lease, "IDLE_S", 0.05)
        deadline = time.monotonic() + 60
        while gate.held is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gate.held is None  # the keeper gave it back once idle
        Memory(store).store("ml-experiments", "b", {"n": 2})
    assert gate.held is None and gate.leases == 0  # the end of the lease gives it back
    assert {e.key for e in Memory(store).list("ml-experiments")} == {"a", "b"}


def test_a_failed_unit_does_not_keep_its_connection(db_path: Path) -> None:
    store = Store(db_path)
    with store.lease():
        with pytest.raises(RuntimeError), store.transaction() as con:
            con.execute("INSERT INTO store_changes VALUES (99)")
            raise RuntimeError("boom")
        assert gate_for(db_path).held is None
        assert store.query("SELECT count(*) FROM store_changes")[0][0] == 1  # rolled back


def test_without_a_lease_nothing_is_kept(db_path: Path) -> None:
    store = Store(db_path)
    Memory(store).store("ml-experiments", "a", {"n": 1})
    assert gate_for(db_path).held is None


def test_the_tui_never_takes_a_lease() -> None:
    """A lease is for runs nobody waits on; the TUI waits on a person (docs/ARCHITECTURE.md)."""
    calls = []
    for path in (REPO / "axtui" / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "lease":
                calls.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "axtui.core.store_lease":
                calls.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert calls == []
    assert store_lease.IDLE_S <= 1.0  # and an idle lease is short


def test_a_batch_replay_opens_the_database_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Alone on its file, a replay keeps one connection from the migration check to the report
    (it was ≈ 25 opens and closes, half of its run: bench/batch.md)."""
    from axtui.batch import run_batch
    from axtui.config import Settings
    from axtui.core.store import duckdb  # the engine module the store opens files with

    opens: list[bool] = []
    connect = duckdb.connect

    def counting(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opens.append(bool(kwargs.get("read_only")))
        return connect(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counting)
    # a step slower than the idle bound on a loaded machine would (rightly) reopen: not this test's point
    monkeypatch.setattr(store_lease, "IDLE_S", 600.0)
    monkeypatch.setattr(store_lease, "MAX_HOLD_S", 600.0)
    db = tmp_path / "once.duckdb"
    assert run_batch(Settings(db_path=db), replay_file(tmp_path, "ml-ab-testing")) == 0
    assert opens == [False]
    assert gate_for(db).held is None and gate_for(db).leases == 0  # given back at the end


def test_each_hold_of_a_lease_moves_the_change_counter_once(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes of one hold bump the counter once; a reader in another process ends the hold, so the
    next write moves the counter past what that reader saw (it never misses a write)."""
    monkeypatch.setattr(store_lease, "MAX_HOLD_S", 600.0)
    monkeypatch.setattr(store_lease, "IDLE_S", 600.0)
    store = Store(db_path)
    memory = Memory(store)
    gate = gate_for(db_path)
    reader = (
        "import sys\nfrom axtui.core.store import Store\n"
        "print(Store(sys.argv[1], lock_timeout=60).change_counter())\n"
    )
    with store.lease():
        before = store.change_counter()
        for i in range(3):
            memory.store("ml-experiments", f"k{i}", {"i": i})
        assert gate.held is not None and store.change_counter() == before + 1
        seen = subprocess.run(
            [sys.executable, "-c", reader, str(db_path)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
        )
        assert seen.returncode == 0, seen.stderr
        assert int(seen.stdout) == before + 1  # the other process waited for the hold to end
        memory.store("ml-experiments", "after", {"i": 9})
        assert store.change_counter() == before + 2  # a new hold: the counter moves again
    assert store.writes_by_others(before, before + 2) == 0
