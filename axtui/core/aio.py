"""The asyncio glue shared by the chat service and the LLM client: callbacks, sync runs, streamed pieces.

Split out of ``core/llm.py`` so that a recorded turn (``--batch`` replays one per persona step)
needs neither the client nor the offline narrator: it only streams its recorded text in pieces
through the same callback path (bench/batch.md).
"""

from __future__ import annotations

import asyncio
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
    if asyncio.iscoroutine(result):
        await result


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when this thread already runs a loop."""
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
