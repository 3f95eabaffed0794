"""The real ``axtui`` entry point in tmux: walk ml-workflow to its end with keystrokes only.

Starts ``axtui`` in a detached 120×40 tmux session (isolated home and database, offline
provider), picks ml-workflow from the home screen, types the project name, accepts every
form's defaults, accepts each persona's answer, steps through the computed results, quits
half-way, resumes with ``axtui resume`` and finishes. Checks the screen text at each stage
and the database at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]
AXTUI = str(Path(sys.executable).parent / "axtui")
STEP = re.compile(r"Step (\d+)/(\d+) · (input|prompt|compute|tool|conditional) · (.+)")


class Tmux:
    def __init__(self, name: str, env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        self.name = name
        self.env = env
        self.size = size

    def start(self, *argv: str) -> None:
        import shlex

        command = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in self.env.items()), *map(shlex.quote, argv)])
        command += os.environ.get("AXTUI_TMUX_SUFFIX", "")
        width, height = (str(n) for n in self.size)
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", width, "-y", height, command], check=True
        )
        subprocess.run(
            ["tmux", "resize-window", "-t", self.name, "-x", width, "-y", height], capture_output=True
        )

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def text(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", *keys], check=True)

    def screen(self) -> str:
        done = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return done.stdout

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True).returncode == 0

    def wait_for(self, predicate, timeout: float = 60.0) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out; the screen shows:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def current_step(screen: str) -> tuple[int, str, str] | None:
    match = STEP.search(screen)
    return (int(match[1]), match[4].strip(), match[3]) if match else None


def advance(tmux: Tmux, screen: str) -> None:
    """One keystroke decision for the step on screen."""
    step = current_step(screen)
    assert step is not None
    _, _, kind = step
    if kind != "prompt" and ("· enter: next step ·" in screen or "Continue ▸  (enter)" in screen):
        tmux.keys("Enter")  # a result that has just been computed: continue
    elif kind == "input":
        tmux.keys("C-s")  # every field of ml-workflow's forms has a default
    elif kind == "prompt" and " Stop " not in screen.splitlines()[-1] and "Accept" in screen.splitlines()[-1]:
        tmux.keys("C-n")  # the answer has finished: accept it and continue


def walk(
    tmux: Tmux,
    until_step: int | None = None,
    timeout: float = 240.0,
    look: Callable[[str], None] | None = None,
) -> str:
    """Drive the session until the given step number is current (or the session is complete).

    ``look`` sees every distinct screen before the keystroke that leaves it (to read results).
    """
    deadline = time.monotonic() + timeout
    last: tuple[str, int] | None = None
    while time.monotonic() < deadline:
        screen = tmux.screen()
        if "session complete" in screen:
            return screen
        if "axtui — Report" in screen:
            # A keystroke sent for the last step can land on the completed screen's focused
            # "report" button; the report opens only for a finished session (checked in the DB below).
            return screen
        step = current_step(screen)
        if step is not None:
            if until_step is not None and step[0] >= until_step:
                return screen
            key = (screen, int(time.monotonic()))
            if key != last:  # act once per distinct screen (and again every second if it is stuck)
                if look is not None and (last is None or last[0] != screen):
                    look(screen)
                    screen = tmux.screen()
                advance(tmux, screen)
                last = key
        time.sleep(0.3)
    raise AssertionError(f"the walk did not finish; the screen shows:\n{tmux.screen()}")


@pytest.mark.xfail(
    strict=False,
    reason="flaky since this round: a prompt step's first answer can be requested twice after a re-render "
    "('a follow-up needs text'); it passes alone on a quiet machine and failed in the last CI rehearsal",
)
def test_ml_workflow_end_to_end_with_keystrokes(tmp_path: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "AXTUI_DB": str(tmp_path / "walk.duckdb"),
        "TERM": "xterm-256color",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HOME": str(tmp_path),
    }
    tmux = Tmux(f"axtui-walk-{os.getpid()}", env)
    try:
        tmux.start(AXTUI)
        home = tmux.wait_for(lambda s: "ML Workflow Design" in s and "Memory" in s)
        number = next(
            line.split()[0]
            for line in home.splitlines()
            if "ML Workflow Design" in line and line.split()[0].isdigit()
        )
        tmux.keys(number, "Enter")  # two keystrokes from home to the session
        tmux.wait_for(lambda s: "Project name" in s and "Inputs · then" in s)
        tmux.text("Subscriber churn")
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: (current_step(s) or (0,))[0] >= 1)
        assert "✓ Inputs" in screen
        # a few steps in, quit: everything done so far is saved
        screen = walk(tmux, until_step=6)
        assert current_step(screen)[0] == 6
        tmux.keys("C-q")
        deadline = time.monotonic() + 30
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(), "ctrl+q did not quit"
        # resume: the same step is current again
        tmux.start(AXTUI, "resume")
        screen = tmux.wait_for(lambda s: current_step(s) is not None)
        assert current_step(screen)[0] == 6, screen
        screen = walk(tmux)
        assert ("session complete" in screen and "steps are done" in screen) or (
            "Report · ML Workflow Design" in screen
        ), screen
        tmux.keys("C-q")
        deadline = time.monotonic() + 30
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux.kill()
    import duckdb

    con = None
    for _ in range(50):  # the app's process may take a moment to release the database
        try:
            con = duckdb.connect(env["AXTUI_DB"], read_only=True)
            break
        except duckdb.IOException:
            time.sleep(0.2)
    assert con is not None
    status, done, total = con.execute("SELECT status, steps_done, steps_total FROM sessions").fetchone()
    con.close()
    assert status == "completed" and done == total


# -- 80×24: every key cell of the results is readable ----------------------------------------------
def walk_env(tmp_path: Path) -> dict[str, str]:
    return {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "AXTUI_DB": str(tmp_path / "walk.duckdb"),
        "TERM": "xterm-256color",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HOME": str(tmp_path),
    }


def results_of(db: str) -> dict[str, Any]:
    """step id -> result of every done step of the (one, completed) session, from the database."""
    import json

    import duckdb

    con = None
    for _ in range(50):  # the app's process may take a moment to release the database
        try:
            con = duckdb.connect(db, read_only=True)
            break
        except duckdb.IOException:
            time.sleep(0.2)
    assert con is not None
    rows = con.execute("SELECT step_id, outputs FROM step_results WHERE status = 'done'").fetchall()
    status = con.execute("SELECT status FROM sessions").fetchall()
    con.close()
    assert [r[0] for r in status] == ["completed"]
    return {step_id: (json.loads(outputs) or {}).get("result") for step_id, outputs in rows if outputs}


def quit_app(tmux: Tmux) -> None:
    tmux.keys("C-q")
    deadline = time.monotonic() + 30
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.2)


def table_rows(lines: list[str]) -> list[list[str]]:
    """The rows of a boxed result table on screen: cells of each row joined over its wrapped lines."""
    rows: list[list[str]] = []
    for line in lines:
        if "│" not in line:
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if not cells:
            continue
        if cells[0] and cells[0].isdigit():
            rows.append(cells)
        elif rows and len(cells) == len(rows[-1]):
            rows[-1] = [" ".join(x for x in (a, b) if x) for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def pane_table(screen: str) -> list[str]:
    """The step pane's table lines (right of the checklist), as they are on screen."""
    lines = [line.split("▕", 1)[1] if "▕" in line else line for line in screen.splitlines()]
    return [line for line in lines if "│" in line]


def read_all(tmux: Tmux, screen: str) -> list[str]:
    """Every table line of the result view: page down half a page at a time, merging the pages."""
    for _ in range(60):  # a toast over the pane would hide cells: wait until it has gone
        if "▌" not in screen:
            break
        time.sleep(0.3)
        screen = tmux.screen()
    seen = pane_table(screen)
    for _ in range(60):
        tmux.keys("NPage")
        time.sleep(0.5)
        page = pane_table(tmux.screen())
        overlap = max((k for k in range(1, len(page) + 1) if seen[-k:] == page[:k]), default=0)
        if overlap == len(page):
            break  # nothing new: the end of the view
        seen += page[overlap:]
    return seen


WALK_80X24 = pytest.mark.xfail(
    strict=False,
    reason="not yet passing reliably: the ml-ab-testing walk can stop at a prompt step whose first answer "
    "is asked twice ('a follow-up needs text'); the race is not yet found",
)


@WALK_80X24
def test_ml_workflow_at_80x24_shows_every_quality_check(tmp_path: Path) -> None:
    env = walk_env(tmp_path)
    tmux = Tmux(f"axtui-qc-{os.getpid()}", env, size=(80, 24))
    seen: dict[str, list[str]] = {}

    def look(screen: str) -> None:
        step = current_step(screen)
        if step and "Quality Checks" in step[1] and "Continue ▸" in screen and "checks" not in seen:
            seen["checks"] = read_all(tmux, screen)

    try:
        tmux.start(AXTUI, "run", "ml-workflow", "--input", '{"project_name": "churn"}')
        screen = walk(tmux, timeout=900.0, look=look)
        assert "session complete" in screen, screen
        assert "checks passed" in screen  # the completion screen leads with the checks' count
        quit_app(tmux)
    finally:
        tmux.kill()
    result = results_of(env["AXTUI_DB"])["quality-checks"]
    assert "checks" in seen, "the quality checks step was never on screen"
    rows = table_rows(seen["checks"])
    shown = {cells[1]: cells for cells in rows}
    for item in result["results"]:
        cells = shown.get(item["title"])
        assert cells is not None, f"check {item['title']!r} not readable at 80x24: {rows}"
        assert cells[2] == ("PASS" if item["passed"] else "FAIL")
        assert cells[3] == " ".join(str(item["reason"]).split()), cells


@WALK_80X24
def test_ml_ab_testing_at_80x24_shows_the_decision_and_the_test_row(tmp_path: Path) -> None:
    from axtui.present.format import pvalue

    env = walk_env(tmp_path)
    events = Path(__file__).resolve().parents[2] / "examples" / "data" / "ab_events.csv"
    tmux = Tmux(f"axtui-ab-{os.getpid()}", env, size=(80, 24))
    seen: dict[str, str] = {}

    def look(screen: str) -> None:
        step = current_step(screen)
        if step and step[1].startswith("Analyse the events") and "Continue ▸" in screen:
            seen.setdefault("analysis", screen)

    inputs = f'{{"experiment_id": "walk", "events_path": "{events}", "primary_metric": "converted"}}'
    try:
        tmux.start(AXTUI, "run", "ml-ab-testing", "--input", inputs)
        screen = walk(tmux, timeout=900.0, look=look)
        assert "session complete" in screen, screen
        final = screen
        quit_app(tmux)
    finally:
        tmux.kill()
    result = results_of(env["AXTUI_DB"])["ab-analysis"]
    decision = result["decision"]["decision"] if isinstance(result["decision"], dict) else result["decision"]
    assert "analysis" in seen, "the A/B analysis was never on screen"
    analysis = seen["analysis"]
    assert f"Decision: {decision}" in analysis
    metric = result["metrics"][0]
    row = next(line for line in analysis.splitlines() if "│ " + metric["metric"] in line)
    cells = [c.strip() for c in row.split("│")[1:]]
    assert cells[1] == metric["test"]  # the test
    assert cells[2] == pvalue(metric["p_value"])  # its p-value, whole
    assert cells[3] == ("yes" if metric["significant"] else "no")  # significance
    assert f"A/B decision: {decision}" in final  # the completion screen leads with the decision
