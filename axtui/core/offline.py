"""The ``axtui/offline`` provider: deterministic answers without a language model.

It reads the same messages a real model would get (see :func:`axtui.core.chat.build_messages`):
the persona's system prompt, the step's task and a fenced JSON block of computed facts, then the
conversation, and answers through :mod:`axtui.core.narrator`: the computed decision and the rule
that fired, the step's key numbers, the next actions the task lists for that decision, and for a
follow-up the facts that bear on the question. Every digit in an answer is a digit of the facts or
of the user's own text: it never does arithmetic and never invents a number.

The text functions have no LiteLLM dependency (the batch replay path can call them directly);
:func:`register` installs the provider into LiteLLM as provider ``axtui``. Streamed answers come
word by word; the TUI sets a small pace (:func:`set_stream_pace`) so the streaming is visible,
while headless runs and tests stream with no sleeps.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

from axtui.core.aio import CHUNK_CHARS, chunk_text  # noqa: F401 (CHUNK_CHARS: its old home)
from axtui.core.narrator import OfflineContext, narrate, parse_messages, task_questions
from axtui.core.narrator.answer import LABEL
from axtui.core.narrator.messages import FACTS_HEADING, TASK_HEADING
from axtui.core.narrator.task import TO_ANSWER

__all__ = [
    "FACTS_HEADING",
    "LABEL",
    "OFFLINE_MODEL",
    "PROVIDER",
    "TASK_HEADING",
    "TO_ANSWER",
    "OfflineContext",
    "chunk_text",
    "offline_answer",
    "parse_messages",
    "register",
    "set_stream_pace",
    "stream_answer",
    "task_questions",
]

OFFLINE_MODEL = "axtui/offline"
PROVIDER = "axtui"
PACE_ENV = "AXTUI_OFFLINE_PACE"
MAX_STREAM_SECONDS = 2.5  # a paced answer never takes longer than this to arrive in full
_pace = 0.0


def set_stream_pace(seconds: float) -> None:
    """Seconds between streamed chunks (0 = no sleeps). ``AXTUI_OFFLINE_PACE`` overrides it."""
    global _pace
    _pace = max(0.0, float(seconds))


def stream_pace(chunks: int) -> float:
    """The pause between chunks for an answer of ``chunks`` pieces, capped so the whole answer
    arrives within :data:`MAX_STREAM_SECONDS`."""
    raw = os.environ.get(PACE_ENV)
    try:
        pace = float(raw) if raw not in (None, "") else _pace
    except ValueError:
        pace = _pace
    if pace <= 0 or chunks <= 1:
        return 0.0
    return min(pace, MAX_STREAM_SECONDS / chunks)


def offline_answer(messages: list[dict[str, Any]]) -> str:
    """The deterministic answer for these messages (the same text the provider streams)."""
    return narrate(messages)


def stream_answer(messages: list[dict[str, Any]]) -> Iterator[str]:
    """The offline answer in small chunks, with no sleeps."""
    yield from chunk_text(offline_answer(messages))


# -- LiteLLM integration -----------------------------------------------------------------

_provider: Any = None


def register(litellm: Any) -> None:
    """Install the ``axtui`` custom provider into an imported LiteLLM module (idempotent)."""
    global _provider
    if _provider is None:
        _provider = _make_provider(litellm)
    entries = [e for e in litellm.custom_provider_map if e.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*entries, {"provider": PROVIDER, "custom_handler": _provider}]
    litellm.utils.custom_llm_setup()


def _make_provider(litellm: Any) -> Any:
    from litellm import CustomLLM

    def response(model: str, messages: list[dict[str, Any]]) -> Any:
        text = offline_answer(messages)
        resp = litellm.ModelResponse(
            model=OFFLINE_MODEL,
            choices=[
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
            ],
        )
        resp.usage = litellm.Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0)
        return resp

    def chunks(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        pieces = chunk_text(offline_answer(messages)) or [""]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            yield {
                "text": piece,
                "is_finished": last,
                "finish_reason": "stop" if last else "",
                "usage": None,
                "index": 0,
                "tool_use": None,
            }

    class OfflineProvider(CustomLLM):
        """LiteLLM custom provider ``axtui``: model ``axtui/offline``."""

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return response(model, messages)

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return response(model, messages)

        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator[Any]:
            yield from chunks(messages)

        async def astreaming(
            self, model: str, messages: list, *args: Any, **kwargs: Any
        ) -> AsyncIterator[Any]:
            pieces = list(chunks(messages))
            pause = stream_pace(len(pieces))
            for n, chunk in enumerate(pieces):
                if pause and n:
                    await asyncio.sleep(pause)
                yield chunk

    return OfflineProvider()
