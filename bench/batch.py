"""``axtui --batch`` replay of the seven-step ``ml-workflow`` against ``axtui --version``, in one run.

PRODUCT.md §11: a replay with the offline provider must take under 3× the time of
``axtui --version``. What is measured, precisely: wall-clock time from spawning
the real ``axtui`` console script to its exit, for

* ``version``: ``axtui --version`` (Python start, the CLI, exit);
* ``batch (recorded)``: ``axtui --db NEW --batch replay.yaml`` where the replay file
  is what ``axtui export --format replay`` writes for a session run with the
  offline provider: its ``recorded`` responses replay the persona turns, so no
  model is called and LiteLLM is never imported;
* ``batch (live offline)``: the same file without ``recorded``: every persona turn
  goes through LiteLLM to the ``axtui/offline`` custom provider (LiteLLM's import,
  ~3 s, dominates; reported for information, it is not the §11 figure).

Each batch run writes a fresh database, so it does all the work of the session:
twenty-two steps, each committed to DuckDB before the next, the report written.
Runs alternate between the programs after one warm-up each.
Usage: ``python bench/batch.py [--runs 15] [--write bench/batch.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
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


def _run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def _make_replay(work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """Run ml-workflow headless once, export its replay file, and a copy without recorded responses."""
    import yaml

    db = work / "source.duckdb"
    base = [*_axtui(), "--db", str(db)]
    subprocess.run(
        [
            *base,
            "run",
            "ml-workflow",
            "--headless",
            "--input",
            "@examples/inputs/ml-workflow.json",
            "--answers",
            "examples/answers/ml-workflow.yaml",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    listing = subprocess.run(
        [*base, "--json", "sessions", "--all"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    import json

    session_id = json.loads(listing)["sessions"][0]["id"]
    recorded = work / "replay.yaml"
    subprocess.run(
        [*base, "export", session_id, "--format", "replay", "-o", str(recorded)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    data = yaml.safe_load(recorded.read_text())
    data.pop("recorded", None)
    live = work / "replay-live.yaml"
    live.write_text(yaml.safe_dump(data, sort_keys=False))
    return recorded, live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--live-runs", type=int, default=3)
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
    recorded, live = _make_replay(work, env)
    load_before = os.getloadavg()[0]

    counter = 0

    def batch(path: Path) -> float:
        nonlocal counter
        counter += 1
        return _run([*_axtui(), "--db", str(work / f"replay-{counter}.duckdb"), "--batch", str(path)], env)

    version_cmd = [*_axtui(), "--version"]
    _run(version_cmd, env), batch(recorded)  # warm-up
    times: dict[str, list[float]] = {"version": [], "batch (recorded)": [], "batch (live offline)": []}
    for _ in range(args.runs):
        times["version"].append(_run(version_cmd, env))
        times["batch (recorded)"].append(batch(recorded))
    for _ in range(args.live_runs):
        times["batch (live offline)"].append(batch(live))

    med = {name: statistics.median(values) for name, values in times.items() if values}
    ratio = med["batch (recorded)"] / med["version"]
    live_ratio = (
        med["batch (live offline)"] / med["version"] if "batch (live offline)" in med else float("nan")
    )
    lines = [
        "# `axtui --batch` replay benchmark",
        "",
        f"Generated by `python bench/batch.py --runs {args.runs}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC: CPython {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after.",
        "",
        "Replay of the seven-step `ml-workflow` (22 steps, each committed to DuckDB, report written) into a "
        "fresh database per run.",
        "",
        "| program | runs | median s | min s | max s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, values in times.items():
        if values:
            lines.append(
                f"| {name} | {len(values)} | {statistics.median(values):.3f} | {min(values):.3f} | "
                f"{max(values):.3f} |"
            )
    verdict = "met" if ratio < 3 else "NOT met"
    lines += [
        "",
        f"Ratio batch (recorded) / version: **{ratio:.2f}×** (goal: under 3×, {verdict}).",
        f"Live offline provider through LiteLLM / version: {live_ratio:.1f}× "
        "(LiteLLM's import dominates; for information).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
