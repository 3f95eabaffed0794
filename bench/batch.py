"""``axtui --batch`` replay of ``ml-workflow`` and ``ml-ab-testing`` against ``axtui --version``, in one run.

PRODUCT.md §11: a replay with the offline provider must take under 3× the time of
``axtui --version``. What is measured, precisely: wall-clock time from spawning
the real ``axtui`` console script to its exit, for

* ``version``: ``axtui --version`` (Python start, the CLI, exit);
* ``batch WORKFLOW (recorded)``: ``axtui --db NEW --batch replay.yaml`` where the
  replay file is what ``axtui export --format replay`` writes for a session of
  ``ml-workflow`` (with the example answers) or ``ml-ab-testing`` (the full example
  inputs: primary, secondary and guardrail metrics) run with the offline provider:
  its ``recorded`` responses replay the persona turns, so no model is called and
  LiteLLM is never imported;
* ``batch ml-workflow (live offline)``: the same file without ``recorded``: every
  persona turn goes through LiteLLM to the ``axtui/offline`` custom provider
  (LiteLLM's import dominates; for information, it is not the §11 figure).

Each batch run writes a fresh database, so it does all the work of the session:
every step committed to DuckDB before the next, the report written. Runs
alternate between the programs after one warm-up each. Both the wall-clock time
and the CPU time (user + system of the child) are reported: on a shared machine
the CPU time is the steadier of the two.

Python's bytecode cache changes the picture: with ``PYTHONDONTWRITEBYTECODE=1``
and no ``.pyc`` files in the virtualenv (how this machine's environment runs),
every imported module is compiled on every start, which weighs on both programs.
``--bytecode`` runs every program with a bytecode cache instead (in a private
``PYTHONPYCACHEPREFIX``, filled by the warm-up; the virtualenv is not touched), as a
``pip install`` leaves it.
Usage: ``python bench/batch.py [--runs 15] [--bytecode] [--write bench/batch.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _axtui() -> list[str]:
    found = shutil.which("axtui", path=str(Path(sys.executable).parent)) or shutil.which("axtui")
    return [found] if found else [sys.executable, "-m", "axtui"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # microseconds; os.times() counts 10 ms ticks
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


RUNS = {
    "ml-workflow": [
        "--input",
        "@examples/inputs/ml-workflow.json",
        "--answers",
        "examples/answers/ml-workflow.yaml",
    ],
    "ml-ab-testing": ["--input", "@examples/inputs/ml-ab-testing-full.json"],
}


def _make_replay(work: Path, env: dict[str, str], workflow: str) -> Path:
    """Run the workflow headless once and export its replay file (with the recorded responses)."""
    import json

    db = work / f"source-{workflow}.duckdb"
    base = [*_axtui(), "--db", str(db)]
    out = subprocess.run(
        [*base, "--json", "run", workflow, "--headless", *RUNS[workflow]],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    session_id = json.loads(out)["session_id"]
    recorded = work / f"{workflow}.replay.yaml"
    subprocess.run(
        [*base, "export", session_id, "--format", "replay", "-o", str(recorded)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return recorded


def _without_recorded(work: Path, recorded: Path) -> Path:
    import yaml

    data = yaml.safe_load(recorded.read_text())
    data.pop("recorded", None)
    live = work / "replay-live.yaml"
    live.write_text(yaml.safe_dump(data, sort_keys=False))
    return live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--live-runs", type=int, default=3)
    parser.add_argument("--bytecode", action="store_true", help="run with a bytecode cache (see above)")
    parser.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="axtui-bench-batch-"))
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(work / "data"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    env.pop("AXTUI_MODEL", None)
    if args.bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    replays = {wf: _make_replay(work, env, wf) for wf in RUNS}
    live = _without_recorded(work, replays["ml-workflow"])
    load_before = os.getloadavg()[0]

    counter = 0

    def batch(path: Path) -> tuple[float, float]:
        nonlocal counter
        counter += 1
        return _run([*_axtui(), "--db", str(work / f"replay-{counter}.duckdb"), "--batch", str(path)], env)

    version_cmd = [*_axtui(), "--version"]
    programs = {"version": lambda: _run(version_cmd, env)}
    for wf, path in replays.items():
        programs[f"batch {wf} (recorded)"] = lambda path=path: batch(path)
    for run in programs.values():  # warm-up (fills the bytecode cache with --bytecode)
        run()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in programs}
    for _ in range(args.runs):
        for name, run in programs.items():
            times[name].append(run())
    times["batch ml-workflow (live offline)"] = [batch(live) for _ in range(args.live_runs)]

    def med(name: str, i: int) -> float:
        return statistics.median(v[i] for v in times[name])

    regime = (
        "with a bytecode cache (`--bytecode`)"
        if args.bytecode
        else "without a bytecode cache"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else "with the environment's bytecode cache"
    )
    lines = [
        "# `axtui --batch` replay benchmark",
        "",
        f"Generated by `python bench/batch.py --runs {args.runs}{' --bytecode' if args.bytecode else ''}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC: CPython {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after; "
        f"Python {regime}.",
        "",
        "Replays of exported sessions (every step committed to DuckDB, report written) into a fresh "
        "database per run.",
        "",
        "| program | runs | median wall s | min wall s | median CPU s | ratio to version (wall) | (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, values in times.items():
        if values:
            lines.append(
                f"| {name} | {len(values)} | {med(name, 0):.3f} | {min(v[0] for v in values):.3f} | "
                f"{med(name, 1):.3f} | {med(name, 0) / med('version', 0):.2f}× | "
                f"{med(name, 1) / max(med('version', 1), 1e-3):.2f}× |"
            )
    lines.append("")
    for wf in RUNS:
        ratio = med(f"batch {wf} (recorded)", 0) / med("version", 0)
        verdict = "met" if ratio < 3 else "NOT met"
        lines.append(
            f"- {wf}: batch (recorded) / version = **{ratio:.2f}×** wall (goal: under 3×, {verdict})."
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
