"""The asyncio glue shared by the chat service and the LLM client: callbacks, sync runs, streamed pieces.

Split out of ``core/llm.py`` so that a recorded turn (``--batch`` replays one per persona step)
needs neither the client nor the offline narrator: it only streams its recorded text in pieces
through the same callback path (bench/batch.md). Such a turn never waits for anything, so
``run_ready`` runs it without an event loop, and asyncio itself is imported only by ``run_sync``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
DeltaCallback = Callable[[str], Any]

CHUNK_CHARS = 12  # about a word: the answer streams the way a model's tokens do


async def call_delta(on_delta: DeltaCallback | None, piece: str) -> None:
    if on_delta is None or not piece:
        return
    result = on_delta(piece)
    if isinstance(result, Coroutine):  # what asyncio.iscoroutine checks
        await result


def run_ready(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits (it awaits only coroutines that return without suspending,
    as a recorded turn with no async callback does) to its end, without an event loop.

    Saves asyncio's import and a loop per turn (≈ 25 ms of a replay, bench/batch.md). A
    coroutine that does suspend is closed and refused: it needs ``run_sync``."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the coroutine waited for something: run it with run_sync")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when this thread already runs a loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=worker, name="axtui-llm-sync")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def chunk_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Split text into small pieces at word boundaries (joined, they give back ``text`` exactly)."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end)
            if space > start:
                end = space + 1
        pieces.append(text[start:end])
        start = end
    return pieces
