"""Many processes on one database file: 8 headless runs, a memory writer loop and a TUI at once.

What is measured, each against the same work done by one process alone:

* headless runs: ``--runs`` concurrent ``axtui run ml-model-monitoring --headless`` (real CLI
  processes): how many complete, and their wall time;
* a memory writer loop (one process, ``--writes`` ``Memory.store`` calls, one key each):
  throughput, p50/p95 latency of a write, p95 of the time it waited for the file lock;
* a TUI session (``AxtuiApp`` driven by Pilot in its own process) on the memory browser:
  how often it refreshed because another process wrote, and whether any error reached it;
* correctness, from the rows afterwards: writes lost (expected keys missing) and duplicated
  (history rows beyond one per write) must both be 0; every session completed.

Usage: ``python bench/concurrency.py [--runs 8] [--writes 200] [--write bench/concurrency.md]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from axtui.core.store import Store  # noqa: E402

WRITER = r"""
import json, sys, time
from axtui.core.memory import Memory
from axtui.core.store import Store
store = Store(sys.argv[1]); memory = Memory(store)
latency, waits = [], []
start = time.perf_counter()
for i in range(int(sys.argv[2])):
    t = time.perf_counter()
    memory.store("ml-experiments", f"bench-{i}", {"i": i, "model": "churn", "auc": 0.8 + i / 1e5})
    latency.append(time.perf_counter() - t)
    waits.append(store.last_wait_s)
print(json.dumps({"elapsed": time.perf_counter() - start, "latency": latency, "waits": waits}))
"""

TUI = r"""
import asyncio, json, os, sys
from pathlib import Path
from axtui.config import Settings
from axtui.tui.app import create_app
from axtui.tui.screens.memory import MemoryScreen

seen = {"refreshes": 0, "errors": []}
original = MemoryScreen.on_store_changed
def counted(self, message):
    seen["refreshes"] += 1
    original(self, message)
MemoryScreen.on_store_changed = counted

async def main():
    app = create_app(Settings(db_path=Path(sys.argv[1])))
    notify = app.notify
    def noted(message, *a, severity="information", **k):
        if severity == "error":
            seen["errors"].append(str(message))
        return notify(message, *a, severity=severity, **k)
    app.notify = noted
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        await app.push_screen(MemoryScreen())
        print("ready", flush=True)
        while not os.path.exists(sys.argv[2]):
            await pilot.pause(0.25)
        await pilot.pause(3.0)
        await app.workers.wait_for_complete()
        seen["keys_shown"] = app.screen.query_one("#memory-keys").row_count
    print(json.dumps(seen))

asyncio.run(main())
"""


CHILD_ENV: dict[str, str] = dict(os.environ)  # main() points XDG dirs at the scratch folder


def headless(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "axtui", "--db", str(db), "--json", "run", "ml-model-monitoring", "--headless",
         "--input", "@examples/inputs/ml-model-monitoring.json"],
        cwd=ROOT, env=CHILD_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def child(source: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", source, *argv],
        cwd=ROOT,
        env=CHILD_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def last_json(proc: subprocess.Popen[str]) -> dict:
    out, err = proc.communicate(timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {err[-2000:]}")
    for line in reversed(out.strip().splitlines()):  # a TUI child may print terminal codes after it
        start = line.find("{")
        if start >= 0:
            with contextlib.suppress(json.JSONDecodeError):
                return json.loads(line[start:])
    raise SystemExit(f"child printed no JSON result: {out[-500:]!r}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else 0.0


def runs_done(procs: list[tuple[subprocess.Popen[str], float]]) -> tuple[int, list[float], list[str]]:
    ok, times, errors = 0, [], []
    for proc, started in procs:
        _out, err = proc.communicate(timeout=3600)
        times.append(time.perf_counter() - started)
        if proc.returncode == 0:
            ok += 1
        else:
            lines = err.strip().splitlines()
            said = [ln.strip() for ln in lines if "error" in ln.lower()] or lines[-1:]
            errors.append(" / ".join(said[-2:]) if said else f"exit {proc.returncode}")
    return ok, times, errors


def check_rows(db: Path, writes: int) -> dict[str, int]:
    with Store(db) as store:
        present = store.query("SELECT count(*) FROM memory_entries WHERE key LIKE 'bench-%'")[0][0]
        history = store.query("SELECT count(*) FROM memory_history WHERE key LIKE 'bench-%'")[0][0]
        completed = store.query("SELECT count(*) FROM sessions WHERE status = 'completed'")[0][0]
        step_dupes = store.query("SELECT count(*) - count(DISTINCT (session_id, step_id)) FROM step_results")[
            0
        ][0]
    return {
        "lost": writes - present,
        "duplicated": history - present + step_dupes,
        "sessions_completed": completed,
    }


def writer_figures(result: dict) -> dict[str, float]:
    latency, waits = result["latency"], result["waits"]
    return {
        "throughput": len(latency) / result["elapsed"],
        "p50_ms": 1000 * statistics.median(latency),
        "p95_ms": 1000 * p95(latency),
        "p95_wait_ms": 1000 * p95(waits),
    }


def alone(scratch: Path, writes: int) -> dict[str, object]:
    db = scratch / "alone.duckdb"
    started = time.perf_counter()
    ok, times, errors = runs_done([(headless(db), started)])
    writer = writer_figures(last_json(child(WRITER, str(db), str(writes))))
    return {
        "runs_ok": ok,
        "run_s": times[0],
        "errors": errors,
        "writer": writer,
        "rows": check_rows(db, writes),
    }


def together(scratch: Path, runs: int, writes: int) -> dict[str, object]:
    db = scratch / "together.duckdb"
    Store(db).close()
    stop = scratch / "stop"
    tui = child(TUI, str(db), str(stop))
    assert tui.stdout is not None and tui.stdout.readline().strip() == "ready"
    procs = [(headless(db), time.perf_counter()) for _ in range(runs)]
    writer = child(WRITER, str(db), str(writes))
    ok, times, errors = runs_done(procs)
    writer_result = writer_figures(last_json(writer))
    print(json.dumps({"together_runs_ok": ok, "errors": errors, "rows": check_rows(db, writes)}), flush=True)
    stop.write_text("stop")
    tui_result = last_json(tui)
    return {
        "runs_ok": ok,
        "run_s_median": statistics.median(times),
        "run_s_max": max(times),
        "errors": errors,
        "writer": writer_result,
        "tui": tui_result,
        "rows": check_rows(db, writes),
    }


def report(runs: int, writes: int, solo: dict, crowd: dict) -> str:
    sw, cw = solo["writer"], crowd["writer"]
    tui, sr, cr = crowd["tui"], solo["rows"], crowd["rows"]
    run_times = f"median {crowd['run_s_median']:.1f} s, max {crowd['run_s_max']:.1f} s"
    lat_s = f"{sw['p50_ms']:.0f} / {sw['p95_ms']:.0f} ms"
    lat_c = f"{cw['p50_ms']:.0f} / {cw['p95_ms']:.0f} ms"
    return f"""# Concurrency on one database file (bench/concurrency.py)

{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores shared with other work.
Together: {runs} `axtui run ml-model-monitoring --headless` processes, one memory writer loop
({writes} `Memory.store` calls) and one TUI process (Pilot, memory browser) on one file. Alone: one
headless run, then the writer loop, each by itself on a fresh file.

| | alone | together |
| --- | ---: | ---: |
| headless runs completed | {solo["runs_ok"]}/1 | {crowd["runs_ok"]}/{runs} |
| headless run wall time | {solo["run_s"]:.1f} s | {run_times} |
| sessions completed (rows) | {sr["sessions_completed"]} | {cr["sessions_completed"]} |
| writes lost / duplicated (rows) | {sr["lost"]} / {sr["duplicated"]} | {cr["lost"]} / {cr["duplicated"]} |
| writer throughput | {sw["throughput"]:.1f} writes/s | {cw["throughput"]:.1f} writes/s |
| write latency p50 / p95 | {lat_s} | {lat_c} |
| lock wait p95 | {sw["p95_wait_ms"]:.0f} ms | {cw["p95_wait_ms"]:.0f} ms |
| TUI refreshes on others' writes | | {tui["refreshes"]} (keys shown at the end: {tui.get("keys_shown")}) |
| errors shown by the TUI / run failures | | {len(tui["errors"])} / {len(crowd["errors"])} |

Failures, if any: {crowd["errors"] or "none"}; TUI errors: {tui["errors"] or "none"}.
All processes are on 2 shared cores, so "together" is CPU-bound: its slower wall times are mostly
the 10 processes sharing 2 cores, the lock wait p95 is the part spent waiting for the file.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        CHILD_ENV.update(XDG_DATA_HOME=str(scratch / "data"), XDG_CONFIG_HOME=str(scratch / "config"))
        solo = alone(scratch, args.writes)
        print(json.dumps({"alone": solo}, default=str)[:2000], flush=True)
        crowd = together(scratch, args.runs, args.writes)
    text = report(args.runs, args.writes, solo, crowd)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
