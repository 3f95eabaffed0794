"""The real ``axtui`` entry point in tmux: walk workflows to their end with keystrokes only.

Starts ``axtui`` in a detached tmux session (isolated home and database, offline provider with
no streaming pace), and drives it the way a person does: it reads the screen (``capture-pane``)
and sends the one key that the screen on show asks for, then waits for the screen to change.
Nothing sleeps and hopes: every wait is for a screen state, bounded by a generous deadline for a
loaded machine. The 100×30 walk starts ml-workflow from home, quits half-way and resumes; the
80×24 walks read the key cells of ml-workflow's Quality Checks and ml-ab-testing's analysis.
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
STEP = re.compile(
    r"Step (\d+)/(\d+) · (input|prompt|compute|tool|conditional|parallel|discuss|loop|delegate) · (.+)"
)
RESEND_AFTER_S = 5.0  # a key sent to a screen that has not changed since is sent again (never twice at once)
STALL_S = 120.0  # no change for this long while keys are resent: the screen is stuck, fail now
# The offline answers arrive at once (no pace between words) and nothing is read from the network.
WALK_ENV = {"AXTUI_OFFLINE_PACE": "0", "TERM": "xterm-256color", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


class Tmux:
    def __init__(self, name: str, env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        self.name = name
        self.env = env
        self.size = size

    def start(self, *argv: str) -> None:
        """Start ``argv`` in a pane that already has its final size.

        A detached session is created at tmux's default size and resized after; an app that reads
        its size in between and misses the SIGWINCH draws on 24 rows of a 30-row pane (the footer
        then sits mid-screen and the walk never sees it). So the pane is sized first, with a
        placeholder command, and the app is started in it with ``respawn-pane``.
        """
        import shlex

        command = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in self.env.items()), *map(shlex.quote, argv)])
        command += os.environ.get("AXTUI_TMUX_SUFFIX", "")
        width, height = (str(n) for n in self.size)
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", width, "-y", height, "sleep 600"], check=True
        )
        subprocess.run(["tmux", "set-option", "-t", self.name, "window-size", "manual"], capture_output=True)
        subprocess.run(
            ["tmux", "resize-window", "-t", self.name, "-x", width, "-y", height], capture_output=True
        )
        subprocess.run(["tmux", "respawn-pane", "-k", "-t", self.name, command], check=True)

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


def advance(tmux: Tmux, screen: str) -> bool:
    """The one keystroke the step on screen asks for; False when it asks for none (still working)."""
    step = current_step(screen)
    assert step is not None
    _, _, kind = step
    footer = next((line for line in reversed(screen.splitlines()) if line.strip()), "")
    if kind != "prompt" and ("· enter: next step ·" in screen or "Continue ▸  (enter)" in screen):
        tmux.keys("Enter")  # a result that has just been computed: continue
    elif kind == "input" and "ctrl+s continues" in screen:
        tmux.keys("C-s")  # every field of these forms has a default or was given with --input
    elif kind == "prompt" and " Stop " not in footer and "Accept" in footer:
        tmux.keys("C-n")  # the answer has finished: accept it and continue
    else:
        return False
    return True


def finished(screen: str) -> bool:
    """The completion screen (or the report, which a key meant for the last step can open)."""
    return "session complete" in screen or "axtui — Report" in screen


def completion(tmux: Tmux, screen: str) -> str:
    """The completion screen. Under load a key resent to the last step (it had not changed for
    ``RESEND_AFTER_S``) can reach the completion screen and open the report: go back to it."""
    if "session complete" in screen:
        return screen
    tmux.keys("Escape")
    return tmux.wait_for(lambda s: "session complete" in s, timeout=120)


def walk(
    tmux: Tmux,
    until_step: int | None = None,
    timeout: float = 600.0,
    look: Callable[[str], None] | None = None,
) -> str:
    """Drive the session until the given step number is current (or the session is complete).

    One key per screen: after a key the walk waits for the screen to change; a key is sent again
    only when the screen has not changed for ``RESEND_AFTER_S`` (the screen ignores a key while
    it is busy, so a second one is never acted on twice). ``look`` sees each distinct screen
    before the key that leaves it (to read results).
    """
    deadline = time.monotonic() + timeout
    acted_on: str | None = None
    acted_at = 0.0
    last, changed_at = "", time.monotonic()
    while time.monotonic() < deadline:
        screen = tmux.screen()
        if finished(screen):
            return completion(tmux, screen)
        if screen != last:
            last, changed_at = screen, time.monotonic()
        elif time.monotonic() - changed_at > STALL_S:
            raise AssertionError(f"the screen ignored every key for {STALL_S:.0f} s:\n{screen}")
        step = current_step(screen)
        if step is not None:
            if until_step is not None and step[0] >= until_step:
                return screen
            fresh = screen != acted_on
            if fresh or time.monotonic() - acted_at > RESEND_AFTER_S:
                if look is not None and fresh:
                    look(screen)
                    screen = tmux.screen()
                if advance(tmux, screen):
                    acted_on, acted_at = screen, time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"the walk did not finish; the screen shows:\n{tmux.screen()}")


def test_ml_workflow_end_to_end_with_keystrokes(tmp_path: Path) -> None:
    env = walk_env(tmp_path)
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
        tmux.wait_for(lambda s: "Project name" in s and "Inputs (" in s and "Continue  (ctrl+s)" in s)
        tmux.text("Subscriber churn")
        tmux.wait_for(lambda s: "Subscriber churn" in s)  # typed into the field before it is sent
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: (current_step(s) or (0,))[0] >= 1)
        assert "✓ Inputs" in screen
        # a few steps in, quit: everything done so far is saved
        screen = walk(tmux, until_step=6)
        assert current_step(screen)[0] == 6
        quit_app(tmux)
        assert not tmux.alive(), "ctrl+q did not quit"
        # resume: the same step is current again
        tmux.start(AXTUI, "resume")
        screen = tmux.wait_for(lambda s: current_step(s) is not None)
        assert current_step(screen)[0] == 6, screen
        screen = walk(tmux)
        assert ("session complete" in screen and "steps are done" in screen) or (
            "Report · ML Workflow Design" in screen
        ), screen
        quit_app(tmux)
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
    """A home, config and database of the test's own."""
    return {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "AXTUI_DB": str(tmp_path / "walk.duckdb"),
        "HOME": str(tmp_path),
        **WALK_ENV,
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


BORDER = re.compile(r"^[╭╰├┌└╞]")
CHECKS_PASSED = re.compile(r"(\d+)/(\d+) checks passed")
SCROLLBAR = " ▁▂▃▄▅▆▇█"


def pane_lines(screen: str) -> list[str]:
    """The step pane's lines (right of the checklist), stripped of the scrollbar's column."""
    return [
        (line.split("▕", 1)[1] if "▕" in line else line).rstrip(SCROLLBAR) for line in screen.splitlines()
    ]


def table_rows(lines: list[str]) -> list[list[str]]:
    """The rows of a boxed table with a rule between rows (``lines=True``): cells of each row
    joined over its wrapped lines; a row is taken only when both rules around it are there."""
    rows: list[list[str]] = []
    block: list[list[str]] | None = None  # the lines of the row being read, None before a rule
    for line in (line.strip() for line in lines):
        if BORDER.match(line):
            if block:
                rows.append([" ".join(x for x in column if x) for column in zip(*block, strict=True)])
            block = [] if not line.startswith(("╰", "└")) else None
        elif block is not None and line.startswith("│") and line.endswith("│"):
            cells = [c.strip() for c in line.split("│")[1:-1]]
            if block and len(cells) != len(block[0]):
                block = None  # not this table's row (another widget's line)
            else:
                block.append(cells)
        else:
            block = None
    return [row for row in rows if row and row[0].isdigit()]


def table_lines(screen: str) -> list[str]:
    """The lines of the boxed table(s) in the pane: a contiguous slice of the table as it scrolls."""
    return [line.strip() for line in pane_lines(screen) if line.strip().startswith(("│", "╭", "├", "╰"))]


def overlap(seen: list[str], page: list[str]) -> int:
    """How many of ``page``'s first lines ``seen`` ends with (the longest such run)."""
    return max((k for k in range(1, min(len(seen), len(page)) + 1) if seen[-k:] == page[:k]), default=0)


def settled_page(tmux: Tmux, before: str, timeout: float = RESEND_AFTER_S) -> str | None:
    """The screen once it differs from ``before`` with no toast over it (None if it never moved)."""
    try:
        return tmux.wait_for(lambda s: s != before and "▌" not in s, timeout=timeout)
    except AssertionError:
        return None


def read_pages(tmux: Tmux) -> list[str] | None:
    """The table's lines, top rule to bottom rule, read a page at a time; None when two pages did
    not overlap (the view was laid out again in between, e.g. a scrollbar appeared): read again."""
    page = tmux.wait_for(lambda s: "▌" not in s, timeout=60)  # a toast over the pane hides cells
    for _ in range(80):  # back to the top of the view
        if table_lines(page)[:1] and table_lines(page)[0].startswith("╭"):
            break
        tmux.keys("PPage")
        page = settled_page(tmux, page) or tmux.screen()
    seen = table_lines(page)
    for _ in range(80):
        if seen and seen[-1].startswith("╰"):
            return seen
        tmux.keys("NPage")
        moved = settled_page(tmux, page)
        if moved is None:
            continue  # the key came while the view was busy: press it again
        page = moved
        lines = table_lines(page)
        shared = overlap(seen, lines)
        if shared < min(3, len(lines)):  # half-page steps always share lines: the layout changed
            return None
        seen += lines[shared:]
    return None


def read_all(tmux: Tmux, count: int) -> list[list[str]]:
    """Rows 1..count of the result table, each joined over its wrapped lines."""
    for _ in range(5):
        lines = read_pages(tmux)
        if lines is not None and len(rows := table_rows(lines)) >= count:
            return rows
    raise AssertionError(f"could not read the {count} rows of the table; the screen shows:\n{tmux.screen()}")


def test_ml_workflow_at_80x24_shows_every_quality_check(tmp_path: Path) -> None:
    env = walk_env(tmp_path)
    tmux = Tmux(f"axtui-qc-{os.getpid()}", env, size=(80, 24))
    seen: dict[str, list[list[str]]] = {}

    def look(screen: str) -> None:
        step = current_step(screen)
        summary = CHECKS_PASSED.search(screen)
        if (
            step
            and "Quality Checks" in step[1]
            and summary
            and "Continue ▸" in screen
            and "checks" not in seen
        ):
            seen["checks"] = read_all(tmux, int(summary[2]))

    try:
        tmux.start(AXTUI, "run", "ml-workflow", "--input", '{"project_name": "churn"}')
        screen = walk(tmux, timeout=600.0, look=look)
        assert "session complete" in screen, screen
        assert "checks passed" in screen  # the completion screen leads with the checks' count
        quit_app(tmux)
    finally:
        tmux.kill()
    result = results_of(env["AXTUI_DB"])["quality-checks"]
    assert "checks" in seen, "the quality checks step was never on screen"
    rows = seen["checks"]
    assert [row[0] for row in rows] == [str(i) for i in range(1, len(result["results"]) + 1)], rows
    shown = {cells[1]: cells for cells in rows}
    for item in result["results"]:
        cells = shown.get(item["title"])
        assert cells is not None, f"check {item['title']!r} not readable at 80x24: {rows}"
        assert cells[2] == ("PASS" if item["passed"] else "FAIL")
        assert cells[3] == " ".join(str(item["reason"]).split()), cells


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
        screen = walk(tmux, timeout=600.0, look=look)
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
