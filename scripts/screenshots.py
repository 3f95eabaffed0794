"""Regenerate screenshots/: an SVG of every screen of the app at 120×40 (and at 80×24 in screenshots/80x24/).

Runs entirely offline in a throwaway home folder and database: it replays the
example ml-ab-testing and ml-model-monitoring sessions headlessly (real numbers
from examples/data), leaves an ml-workflow session half-done, then opens each
screen in the real app (headless, via Textual's test driver) and saves it.

Made to survive a loaded machine: Textual's test driver waits up to 30 s for a screen to settle
and raised WaitForScreenTimeout on a busy 2-core box, so here it waits up to ``PATIENCE``
seconds; readiness checks poll by the clock, not by a count of tries; a shot that still fails
is taken once more. The blinking cursors are switched off (a picture caught them half the
time) and the environment that changes colours or widths (NO_COLOR, COLUMNS, ...) is removed.

Usage: python scripts/screenshots.py [--out screenshots] [--size 120x40 --size 80x24] [--only NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = ((120, 40), (80, 24))  # the first size goes to --out itself, the others to --out/WxH/
PATIENCE = 300.0  # seconds a screen may take to settle (Textual's test driver allows 30)
READY_S = 180.0  # seconds a screen may take to show what it is photographed for
UNPINNED_ENV = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TEXTUAL", "TEXTUAL_COLOR_SYSTEM", "COLORTERM")


def steady() -> None:
    """No cursor blink, and Textual's driver patient with a slow machine (see the module doc)."""
    from textual.pilot import Pilot
    from textual.widgets import Input, TextArea

    Input._toggle_cursor = lambda self: None  # type: ignore[method-assign]
    TextArea._toggle_cursor_blink_visible = lambda self: None  # type: ignore[method-assign]
    wait = Pilot._wait_for_screen

    async def patient(self: Any, timeout: float = PATIENCE) -> bool:
        return await wait(self, timeout=max(timeout, PATIENCE))

    Pilot._wait_for_screen = patient  # type: ignore[method-assign]


def prepare(db_path: Path) -> dict[str, str]:
    """Sessions to show: finished A/B test and monitoring runs, and a half-done ml-workflow."""
    from axtui.config import Settings
    from axtui.core.store import Store
    from axtui.core.workflow import Engine

    inputs = REPO / "examples" / "inputs"
    ids: dict[str, str] = {}
    with Store(db_path) as store:
        engine = Engine(store, Settings(db_path=db_path))
        for wf in ("ml-ab-testing", "ml-model-monitoring"):
            session = engine.start(wf, json.loads((inputs / f"{wf}.json").read_text()))
            session.run_headless({})
            ids[wf] = session.id
        workflow = engine.start("ml-workflow", {"project_name": "Subscriber churn prediction"})
        ids["ml-workflow-form"] = workflow.id
        chat = engine.start("ml-workflow", {"project_name": "Fraud scoring"})
        chat.submit_input("define-problem", {})
        ids["ml-workflow-prompt"] = chat.id
    return ids


Step = Callable[[Any], Awaitable[None]]


async def settle(pilot: Any, rounds: int = 4) -> None:
    for _ in range(rounds):
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def until(pilot: Any, predicate: Callable[[], bool], seconds: float = READY_S) -> None:
    """Poll ``predicate`` until it holds, for up to ``seconds`` of wall time (not a count of tries)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.1)
    raise RuntimeError(f"screen never got ready: {type(pilot.app.screen).__name__}")


def session_at(step: str | None) -> Step:
    async def run(pilot: Any) -> None:
        await until(
            pilot,
            lambda: getattr(pilot.app.screen, "viewing", None) is not None and not pilot.app.screen.busy,
        )
        screen = pilot.app.screen
        if step is not None:
            screen._run(lambda: screen._snapshot(focus=step), f"review {step}")
            await until(pilot, lambda: screen.viewing == step and not screen.busy)
        await settle(pilot)

    return run


def prompt_answered() -> Step:
    async def run(pilot: Any) -> None:
        from axtui.tui.widgets.chat_view import ChatView

        await until(pilot, lambda: bool(pilot.app.screen.query(ChatView)))
        chat = pilot.app.screen.query_one(ChatView)
        await until(pilot, lambda: not chat.generating and bool(chat.last_answer))
        await settle(pilot)

    return run


def home_ready() -> Step:
    async def run(pilot: Any) -> None:
        await until(
            pilot,
            lambda: (
                type(pilot.app.screen).__name__ == "HomeScreen" and pilot.app.screen.summary.personas != []
            ),
        )
        await settle(pilot)

    return run


def push(factory: Callable[[], Any], ready: Callable[[Any], bool] | None = None) -> Step:
    async def run(pilot: Any) -> None:
        await home_ready()(pilot)
        pilot.app.push_screen(factory())
        await settle(pilot, rounds=8)
        if ready is not None:
            await until(pilot, lambda: ready(pilot))
            await settle(pilot)

    return run


def help_on_session() -> Step:
    """F1 pressed on a session's form: the help lists that screen's own keys first."""

    async def run(pilot: Any) -> None:
        await session_at(None)(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
        await settle(pilot, rounds=8)

    return run


def error_modal() -> Step:
    async def run(pilot: Any) -> None:
        await home_ready()(pilot)
        pilot.app.show_error(
            "run data-drift-stats failed: OSError: [Errno 28] No space left on device",
            "Traceback (most recent call last):\n"
            '  File "axtui/core/workflow/session.py", line 362, in run_auto\n'
            "    result = with_retries(r.step, lambda _a: run_compute(r.step, variables))\n"
            "OSError: [Errno 28] No space left on device",
        )
        await settle(pilot)

    return run


def palette() -> Step:
    async def run(pilot: Any) -> None:
        await home_ready()(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"workflow")
        await settle(pilot, rounds=6)

    return run


def chat_with_answer() -> Step:
    async def run(pilot: Any) -> None:
        from axtui.tui.screens.chat import ChatScreen
        from axtui.tui.widgets.chat_view import ChatView

        await home_ready()(pilot)
        pilot.app.push_screen(ChatScreen())
        await settle(pilot, rounds=8)
        chat = pilot.app.screen.query_one(ChatView)
        chat.prompt.focus()
        await pilot.press(*"How should I split time-series data for validation?", "ctrl+j")
        await until(pilot, lambda: not chat.generating and bool(chat.last_answer))
        await settle(pilot)

    return run


async def shoot(
    settings: Any, name: str, out: Path, start: dict[str, Any] | None, step: Step, size: tuple[int, int]
) -> None:
    from axtui.tui.app import create_app

    for attempt in (1, 2):  # a shot that fails on a loaded machine is taken once more
        app = create_app(settings, start=start)
        try:
            async with app.run_test(size=size) as pilot:
                await step(pilot)
                await settle(pilot)
                app.save_screenshot(filename=f"{name}.svg", path=str(out))
        except Exception as exc:  # retried once, then raised
            if attempt == 2:
                raise
            print(f"  {name} {size[0]}x{size[1]}: {type(exc).__name__}: {exc}; again", file=sys.stderr)
            continue
        print(f"  {out / (name + '.svg')}")
        return


async def main_async(out: Path, sizes: list[tuple[int, int]], only: list[str] | None = None) -> None:
    from axtui.config import Settings

    db_path = Path(os.environ["AXTUI_DB"])
    ids = prepare(db_path)
    settings = Settings.resolve()
    from axtui.tui.screens.memory import MemoryScreen
    from axtui.tui.screens.report import ReportScreen

    ab, mon = ids["ml-ab-testing"], ids["ml-model-monitoring"]
    shots: list[tuple[str, dict[str, Any] | None, Step]] = [
        ("home", None, home_ready()),
        ("palette", None, palette()),
        ("session-form", {"session": ids["ml-workflow-form"]}, session_at(None)),
        ("session-prompt", {"session": ids["ml-workflow-prompt"]}, prompt_answered()),
        ("session-drift", {"session": mon}, session_at("data-drift-stats")),
        ("session-evaluate", {"session": mon}, session_at("evaluate-current")),
        ("session-ab-analysis", {"session": ab}, session_at("ab-analysis")),
        ("session-decision", {"session": ab}, session_at("ab-decision")),
        ("session-tool-write", {"session": ab}, session_at("store-results")),
        ("session-complete", {"session": ab}, session_at(None)),
        ("error", None, error_modal()),
        ("chat", None, chat_with_answer()),
        ("memory", None, push(MemoryScreen)),
        ("report", None, push(lambda: ReportScreen(ab))),
        ("help", {"session": ids["ml-workflow-form"]}, help_on_session()),
    ]
    for i, size in enumerate(sizes):
        folder = out if i == 0 else out / f"{size[0]}x{size[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, start, step in shots:
            if not only or name in only:
                await shoot(settings, name, folder, start, step, size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--size", action="append", help="WxH (repeatable; default 120x40 and 80x24)")
    parser.add_argument("--only", action="append", help="only this screen, e.g. session-drift (repeatable)")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.size] if args.size else list(SIZES)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            {
                "XDG_CONFIG_HOME": f"{tmp}/config",
                "XDG_DATA_HOME": f"{tmp}/data",
                "AXTUI_DB": f"{tmp}/screens.duckdb",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
        )
        for var in ("AXTUI_MODEL", "AXTUI_API_BASE", *UNPINNED_ENV):
            os.environ.pop(var, None)
        os.environ["TERM"] = "xterm-256color"
        steady()
        os.chdir(REPO)  # example inputs name files relative to the repository
        asyncio.run(main_async(args.out.resolve(), sizes, args.only))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
