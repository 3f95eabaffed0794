"""The TUI notices another process's writes, and never stays on "loading…" after a busy start.

The writers are real processes on the same file; the TUI is driven by Pilot in this one.
Waiting is for an event (a row appearing), bounded generously, never a timed assertion.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static

from axtui.config import Settings
from axtui.core.memory import Memory
from axtui.core.store import Store
from axtui.tui.app import create_app
from axtui.tui.screens.home import HomeScreen
from axtui.tui.screens.memory import MemoryScreen
from tests.tui.conftest import Notice
from tests.tui.tui_b_support import make_app, open_screen, settle

WRITER = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    Memory(Store(sys.argv[1])).store("ml-model-registry", sys.argv[2], {"stage": "staging"})
""")

WRITER_LOOP = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    memory = Memory(Store(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        memory.store("ml-experiments", f"loop-{i}", {"i": i})
""")

HOLDER = textwrap.dedent("""
    import sys, time
    from axtui.core.store import Store
    store = Store(sys.argv[1])
    with store.transaction():
        print("holding", flush=True)
        sys.stdin.readline()  # until the test says so
""")


def headless_run(db: Path, repo: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [
        "run",
        "ml-model-monitoring",
        "--headless",
        "--input",
        "@examples/inputs/ml-model-monitoring.json",
    ]
    return subprocess.Popen(
        [sys.executable, "-m", "axtui", "--db", str(db), "--json", *command],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_from_another_process(db: Path, key: str) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(db), key], check=True, timeout=120)


def keys_in_table(screen: Any) -> list[str]:
    table = screen.query_one("#memory-keys", DataTable)
    columns = [str(c.label) for c in table.columns.values()]
    index = columns.index("key")
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def wait_until(pilot: Any, condition: Any, *, rounds: int = 600) -> bool:
    """Let the app run (its 1 s watcher included) until ``condition()``; False if it never holds."""
    for _ in range(rounds):
        if condition():
            return True
        await pilot.pause(0.1)
        await settle(pilot)
    return condition()


async def test_the_memory_browser_shows_another_processs_write(store: Store) -> None:
    Memory(store).store("ml-model-registry", "churn-v1", {"stage": "production"})
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        assert keys_in_table(screen) == ["churn-v1"]
        write_from_another_process(store.path, "churn-v2")
        assert await wait_until(pilot, lambda: sorted(keys_in_table(screen)) == ["churn-v1", "churn-v2"])


async def test_home_shows_another_processs_write(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        title = home.query_one("#memory-title")
        assert "0 entries" in str(title.content)
        write_from_another_process(store.path, "churn-v9")
        assert await wait_until(pilot, lambda: "1 entry" in str(title.content))


async def test_a_busy_database_at_start_is_retried_not_left_loading(db_path: Path, monkeypatch: Any) -> None:
    """The first open fails (a writer holds the file past AXTUI_DB_WAIT); once it lets go, home fills in."""
    with Store(db_path) as seed:
        Memory(seed).store("ml-model-registry", "churn-v1", {"stage": "production"})
    monkeypatch.setenv("AXTUI_DB_WAIT", "0.2")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        app = create_app(Settings(db_path=db_path))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            summary = app.screen.query_one("#memory-summary", Static)
            assert await wait_until(pilot, lambda: "not available" in str(summary.content))
            assert "in use by process" in str(summary.content)
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(timeout=60)
            title = app.screen.query_one("#memory-title")
            assert await wait_until(pilot, lambda: "1 entry" in str(title.content))
            assert "not available" not in str(summary.content) and "loading" not in str(summary.content)
    finally:
        holder.kill()
        holder.wait()


async def test_the_tui_beside_headless_runs_and_a_writer_loop(store: Store, notices: list[Notice]) -> None:
    """The TUI, two headless runs and a memory writer loop on one file, all real processes but the
    Pilot-driven app: every run completes, every write lands once, the memory browser ends up
    showing all of them, and the TUI shows no error meanwhile."""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "AXTUI_DB_WAIT": "120"}
    loop_writes = 20
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        runs = [headless_run(store.path, repo, env) for _ in range(2)]
        loop = subprocess.Popen(
            [sys.executable, "-c", WRITER_LOOP, str(store.path), str(loop_writes)],
            cwd=repo,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs = [*runs, loop]
        assert await wait_until(pilot, lambda: all(p.poll() is not None for p in procs), rounds=6000)
        for proc in procs:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        expected = {f"loop-{i}" for i in range(loop_writes)}
        assert await wait_until(pilot, lambda: expected <= set(keys_in_table(screen)))
    assert not [n for n in notices if n.severity == "error"]
    sessions = store.query("SELECT status, steps_done, steps_total FROM sessions")
    assert len(sessions) == 2 and all(s == "completed" and d == t for s, d, t in sessions)
    rows = store.query("SELECT key, version FROM memory_entries WHERE key LIKE 'loop-%'")
    assert {k for k, _v in rows} == expected and all(v == 1 for _k, v in rows)
    history = store.query("SELECT key, count(*) FROM memory_history WHERE key LIKE 'loop-%' GROUP BY key")
    assert dict(history) == dict.fromkeys(expected, 1)
