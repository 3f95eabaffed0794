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
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]
AXTUI = str(Path(sys.executable).parent / "axtui")
STEP = re.compile(r"Step (\d+)/(\d+) · (input|prompt|compute|tool|conditional) · (.+)")


class Tmux:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def start(self, *argv: str) -> None:
        command = " ".join([*(f"{k}={v}" for k, v in self.env.items()), *argv])
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30", command], check=True
        )
        subprocess.run(
            ["tmux", "resize-window", "-t", self.name, "-x", "100", "-y", "30"], capture_output=True
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
    elif kind == "prompt" and " Stop " not in screen.splitlines()[-1]:  # the answer has finished
        tmux.keys("C-n")  # accept the persona's answer and continue


def walk(tmux: Tmux, until_step: int | None = None, timeout: float = 240.0) -> str:
    """Drive the session until the given step number is current (or the session is complete)."""
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
                advance(tmux, screen)
                last = key
        time.sleep(0.3)
    raise AssertionError(f"the walk did not finish; the screen shows:\n{tmux.screen()}")


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
