"""The LLM client: one streaming call over LiteLLM, with retries, clear errors and usage/cost.

LiteLLM costs seconds to import and reaches for the network unless told not to, so it is
imported on first use only, after ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (and the blog-post
equivalent) is set and with its logging silenced. The offline provider is registered into it
as provider ``axtui`` so ``axtui/offline`` takes exactly the same path as a real model.

Failures become :class:`LLMError` (a ``ProviderError``, exit code 3) with one ``kind`` and one
clear message each; messages never contain an API key (see :func:`redact`). Rate limits (429,
honouring a capped ``Retry-After``), 5xx answers, timeouts and connection errors are retried
with exponential backoff and jitter, unless part of the answer was already streamed to the
caller: then the partial text is returned in the error so nothing shown is lost or repeated.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from axtui.config import Settings
from axtui.core import offline
from axtui.core.aio import DeltaCallback, call_delta, run_sync
from axtui.errors import ProviderError
from axtui.values import env_number

RETRYABLE_KINDS = frozenset({"rate_limited", "server", "timeout", "unreachable"})
_KEY_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9])(?:sk|pk|rk)-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]{6,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(
        r"(?i)((?:api[_-]?key|x-api-key|access[_-]?token|secret)[\"']?\s*[=:]\s*[\"']?)[^\s\"',}]{6,}"
    ),
]
_SECRET_ENV = re.compile(r"(?:_API_KEY|_KEY|_TOKEN|_SECRET|_PASSWORD)$")


def redact(text: str) -> str:
    """Remove anything that looks like a credential, and the value of every ``*_API_KEY``-style
    environment variable, from text that may be shown, logged or stored."""
    if not text:
        return text
    for name, value in os.environ.items():
        if _SECRET_ENV.search(name) and value and len(value) >= 6 and value in text:
            text = text.replace(value, "[redacted]")
    for pattern in _KEY_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


class LLMError(ProviderError):
    """An LLM call that failed (after retries where retrying made sense)."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        hint: str | None = None,
        where: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        partial: str = "",
        attempts: int = 1,
        detail: str = "",
    ) -> None:
        super().__init__(redact(message), hint=redact(hint) if hint else hint, where=where)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.partial = partial
        self.attempts = attempts
        self.detail = redact(detail)

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "kind": self.kind, "status": self.status, "attempts": self.attempts}


# -- LiteLLM, lazily ----------------------------------------------------------------

_litellm: Any = None
_import_lock = threading.Lock()


def litellm_module() -> Any:
    """LiteLLM, imported once, quiet, offline-safe, with the ``axtui`` provider registered."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        if _litellm is None:
            os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
            os.environ.setdefault("LITELLM_LOCAL_BLOG_POSTS", "True")
            os.environ.setdefault("LITELLM_LOG", "CRITICAL")
            import litellm

            litellm.suppress_debug_info = True
            litellm.set_verbose = False
            litellm.turn_off_message_logging = True
            litellm.drop_params = True
            if hasattr(litellm, "telemetry"):
                litellm.telemetry = False
            for name in (
                "LiteLLM",
                "LiteLLM Router",
                "LiteLLM Proxy",
                "litellm",
                "httpx",
                "httpcore",
                "openai",
                "aiohttp",
            ):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            offline.register(litellm)
            _litellm = litellm
    return _litellm


def model_label(model: str) -> str:
    """How a model is named wherever it is shown: the offline provider always says so."""
    if model == offline.OFFLINE_MODEL:
        return "offline"
    if model == "recorded":
        return "recorded (replay)"
    return model


# -- results and errors -------------------------------------------------------------------


@dataclass
class Completion:
    """One finished answer with LiteLLM's usage and cost figures (zero for offline)."""

    text: str
    model: str
    offline: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    finish_reason: str | None = None
    attempts: int = 1


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in seen and len(seen) < 12:
        seen.append(node)
        node = node.__cause__ or node.__context__
    return seen


def _headers(exc: BaseException) -> dict[str, str]:
    for source in (
        getattr(exc, "litellm_response_headers", None),
        getattr(exc, "headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if source:
            try:
                return {str(k).lower(): str(v) for k, v in dict(source).items()}
            except (TypeError, ValueError):
                continue
    return {}


def _retry_after(headers: dict[str, str]) -> float | None:
    for name in ("retry-after-ms", "retry-after"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = float(raw)
            return value / 1000.0 if name == "retry-after-ms" else value
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw) if name == "retry-after" else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - time.time())
    return None


@dataclass(frozen=True)
class _Facts:
    """What ``classify`` knows about a failure: exception names, text, status, the call."""

    names: frozenset[str]
    low: str
    text: str
    status: int | None
    model: str
    api_base: str | None
    timeout: float


_TIMEOUT_NAMES = frozenset(
    {
        "Timeout",
        "APITimeoutError",
        "ReadTimeout",
        "ConnectTimeout",
        "TimeoutError",
        "PoolTimeout",
        "ServerTimeoutError",
    }
)
_CONNECTION_NAMES = frozenset(
    {
        "ConnectionRefusedError",
        "ConnectError",
        "ClientConnectorError",
        "gaierror",
        "APIConnectionError",
        "ConnectionResetError",
        "ServerDisconnectedError",
        "RemoteProtocolError",
        "ClientPayloadError",
    }
)
_SERVER_NAMES = frozenset({"InternalServerError", "ServiceUnavailableError", "APIError"})


def _has(f: _Facts, *phrases: str) -> bool:
    return any(p in f.low for p in phrases)


@dataclass(frozen=True)
class _Rule:
    """One row of the classification table: when it applies, and what the person is told."""

    kind: str
    applies: Callable[[_Facts], bool]
    message: Callable[[_Facts], str]
    hint: str
    rate_limit: bool = False


def _server_message(f: _Facts) -> str:
    return f"the provider failed with {f'HTTP {f.status}' if f.status else 'a server error'}"


# First match wins, so the order is the precedence: a specific cause before a generic status.
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "no_answer",
        lambda f: _has(f, "stream ended before a finish_reason", "choices list is empty", "no choices"),
        lambda f: "the model returned no answer (an empty choices list)",
        "the server answered HTTP 200 without a choice; check the model name, or try another model",
    ),
    _Rule(
        "context_length",
        lambda f: (
            "ContextWindowExceededError" in f.names
            or _has(f, "context length", "context window", "maximum context")
        ),
        lambda f: "the conversation is too long for the model's context window",
        "start a new conversation, or use a model with a longer context",
    ),
    _Rule(
        "auth",
        lambda f: "AuthenticationError" in f.names or f.status in (401, 403),
        lambda f: (
            "the provider refused access with this API key (HTTP 403)"
            if f.status == 403
            else "the provider rejected the API key (HTTP 401)"
        ),
        "check the provider's key in the environment (e.g. OPENAI_API_KEY for openai/ models)",
    ),
    _Rule(
        "rate_limited",
        lambda f: "RateLimitError" in f.names or f.status == 429,
        lambda f: "the provider is rate limiting requests (HTTP 429)",
        "wait a moment and send again, or lower the request rate",
        rate_limit=True,
    ),
    _Rule(
        "timeout",
        lambda f: bool(f.names & _TIMEOUT_NAMES) or f.status == 408,
        lambda f: f"the model did not answer within {f.timeout:g} s",
        "the server may be overloaded or down; send again, or raise AXTUI_LLM_FIRST_TOKEN_TIMEOUT",
    ),
    _Rule(
        "malformed",
        lambda f: (
            bool(f.names & {"JSONDecodeError", "ContentDecodingError"})
            or _has(f, "expecting value", "expecting property name")
        ),
        lambda f: "the provider sent a response that is not valid JSON",
        "check that --api-base points at an OpenAI-compatible /v1 endpoint",
    ),
    _Rule(
        "unreachable",
        lambda f: bool(f.names & _CONNECTION_NAMES) or _has(f, "connection error"),
        lambda f: f"cannot reach the model server at {f.api_base or 'the provider'}",
        "is the server running and the address right? check --api-base / AXTUI_API_BASE",
    ),
    _Rule(
        "model_not_found",
        lambda f: (
            "NotFoundError" in f.names
            or f.status == 404
            or ("model" in f.low and _has(f, "not found", "does not exist", "unknown model"))
        ),
        lambda f: f"unknown model {f.model!r}",
        "check the model name; --model takes LiteLLM model strings such as openai/gpt-4o-mini "
        "or ollama/llama3.2",
    ),
    _Rule(
        "model_not_found",
        lambda f: (
            "BadRequestError" in f.names
            and (_has(f, "llm provider not provided") or ("provider" in f.low and "not provided" in f.low))
        ),
        lambda f: f"unknown model {f.model!r}: LiteLLM does not know its provider",
        "prefix the model with its provider, e.g. openai/NAME for an OpenAI-compatible server",
    ),
    _Rule(
        "server",
        lambda f: (f.status is not None and f.status >= 500) or bool(f.names & _SERVER_NAMES),
        _server_message,
        "the provider may be down; try again later",
    ),
    _Rule(
        "bad_request",
        lambda f: "BadRequestError" in f.names or f.status == 400,
        lambda f: f"the provider refused the request: {f.text[:200]}",
        "check the model name and its parameters",
    ),
)


def classify(
    exc: BaseException, *, model: str, api_base: str | None, timeout: float, partial: str = ""
) -> LLMError:
    """Map any provider exception to one clear :class:`LLMError` (the first row of ``_RULES`` that
    applies; a stream cut after some text is always "interrupted", whatever the cause)."""
    if isinstance(exc, LLMError):
        return exc
    chain = _chain(exc)
    text = redact(" ".join(str(e) for e in chain))
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    facts = _Facts(
        frozenset(type(e).__name__ for e in chain), text.lower(), text, status, model, api_base, timeout
    )
    common: dict[str, Any] = {
        "where": f"model {model}",
        "status": status,
        "partial": partial,
        "detail": f"{type(exc).__name__}: {text[:500]}",
    }
    if partial:
        return LLMError(
            "the answer was cut off mid-stream",
            kind="interrupted",
            hint="the partial answer is kept; send the message again to retry",
            **common,
        )
    for rule in _RULES:
        if rule.applies(facts):
            extra = {"retry_after": _retry_after(_headers(exc))} if rule.rate_limit else {}
            return LLMError(rule.message(facts), kind=rule.kind, hint=rule.hint, **common, **extra)
    return LLMError(
        f"the model call failed: {type(exc).__name__}: {text[:200]}",
        kind="unknown",
        hint="rerun with --debug for details",
        **common,
    )


# -- the client ----------------------------------------------------------------------------


DEFAULT_TIMEOUT = 60.0  # no progress for this long mid-answer: give up the attempt
DEFAULT_CONNECT_TIMEOUT = 5.0  # TCP + TLS to the endpoint
DEFAULT_FIRST_TOKEN_TIMEOUT = 12.0  # request sent -> first chunk (a hung server shows here)
DEFAULT_GIVE_UP = 30.0  # a dead endpoint (timeouts, unreachable) is given up on within this
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
_DEAD_KINDS = frozenset({"timeout", "unreachable"})


def _env_number(name: str, default: float) -> float:
    """A tuning knob from the environment (AXTUI_LLM_TIMEOUT / _RETRIES / _BACKOFF), else the default."""
    return env_number(name, default, what="a number", hint=f"unset it or use a number such as {default:g}")


class LLMClient:
    """Streams one answer for a list of messages; retries, maps errors, reports usage and cost.

    ``offline_direct=True`` answers ``axtui/offline`` without importing LiteLLM (same text, same
    chunks): for the headless batch path where LiteLLM's import would dominate the run time.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float = 8.0,
        retry_after_cap: float = 30.0,
        offline_direct: bool = False,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        connect_timeout: float | None = None,
        first_token_timeout: float | None = None,
        give_up_after: float | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.timeout = timeout if timeout is not None else _env_number("AXTUI_LLM_TIMEOUT", DEFAULT_TIMEOUT)
        self.connect_timeout = (
            connect_timeout
            if connect_timeout is not None
            else _env_number("AXTUI_LLM_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)
        )
        self.first_token_timeout = (
            first_token_timeout
            if first_token_timeout is not None
            else _env_number("AXTUI_LLM_FIRST_TOKEN_TIMEOUT", DEFAULT_FIRST_TOKEN_TIMEOUT)
        )
        self.give_up_after = (
            give_up_after if give_up_after is not None else _env_number("AXTUI_LLM_GIVE_UP", DEFAULT_GIVE_UP)
        )
        self.max_retries = int(
            max_retries if max_retries is not None else _env_number("AXTUI_LLM_RETRIES", DEFAULT_RETRIES)
        )
        self.backoff_base = (
            backoff_base if backoff_base is not None else _env_number("AXTUI_LLM_BACKOFF", DEFAULT_BACKOFF)
        )
        self.backoff_max = backoff_max
        self.retry_after_cap = retry_after_cap
        self.offline_direct = offline_direct
        self._sleep = sleep or asyncio.sleep

    # -- model resolution (docs/personas-and-models.md) --
    def resolve_model(self, persona_model: str | None = None) -> str:
        """Persona ``model``, else ``--model``/``AXTUI_MODEL``, else the config file, else offline."""
        model = persona_model or self.settings.default_model
        return offline.OFFLINE_MODEL if model in ("offline", "axtui") else model

    @staticmethod
    def is_offline(model: str) -> bool:
        return model == offline.OFFLINE_MODEL or model.startswith(offline.PROVIDER + "/")

    def api_base_for(self, model: str) -> str | None:
        """``--api-base`` applies to every real model (it names the endpoint that serves it)."""
        return None if self.is_offline(model) else self.settings.api_base

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling * (0.5 + random.random() / 2)

    # -- calls --
    async def astream(
        self,
        messages: list[dict[str, Any]],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout: float | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Completion:
        """Stream one answer, calling ``on_delta(text)`` per piece; raises :class:`LLMError`.

        Three clocks: ``connect_timeout`` for the connection, ``first_token_timeout`` (at most
        ``timeout``) from the request to the first chunk, ``timeout`` between chunks after that.
        A dead endpoint (timeouts, unreachable) is retried only while the whole call stays within
        ``give_up_after`` seconds, so it never holds a step for minutes.
        """
        model = model or self.resolve_model()
        timeout = timeout or self.timeout
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            delivered: list[str] = []
            try:
                result = await self._attempt(
                    messages, model, temperature, max_tokens, timeout, on_delta, delivered
                )
                result.attempts = attempt
                return result
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = classify(
                    exc,
                    model=model,
                    api_base=self.api_base_for(model),
                    timeout=timeout,
                    partial="".join(delivered),
                )
                error.attempts = attempt
                delay = self.backoff(attempt, error.retry_after)
                if (
                    error.retryable
                    and attempt <= self.max_retries
                    and self._worth_retrying(error, started, delay, timeout)
                ):
                    await self._sleep(delay)
                    continue
                if error.retryable and attempt > 1:
                    error.message = f"{error.message} (gave up after {attempt} attempts)"
                raise error from None

    def _worth_retrying(self, error: LLMError, started: float, delay: float, timeout: float) -> bool:
        """A dead endpoint is retried only if another full wait still ends within ``give_up_after``."""
        if error.kind not in _DEAD_KINDS:
            return True
        wait = min(self.first_token_timeout, timeout)
        return time.monotonic() - started + delay + wait <= self.give_up_after

    def stream(self, messages: list[dict[str, Any]], **kwargs: Any) -> Completion:
        """Sync wrapper of :meth:`astream` for the CLI and the headless engine."""
        return run_sync(self.astream(messages, **kwargs))

    async def _attempt(
        self,
        messages: list[dict[str, Any]],
        model: str,
        temperature: float | None,
        max_tokens: int | None,
        timeout: float,
        on_delta: DeltaCallback | None,
        delivered: list[str],
    ) -> Completion:
        if self.is_offline(model) and self.offline_direct:
            for piece in offline.stream_answer(messages):
                delivered.append(piece)
                await call_delta(on_delta, piece)
            return Completion(
                text="".join(delivered), model=offline.OFFLINE_MODEL, offline=True, finish_reason="stop"
            )
        litellm = litellm_module()
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": _http_timeout(timeout, self.connect_timeout),
            "max_retries": 0,
        }
        api_base = self.api_base_for(model)
        if api_base:
            kwargs["api_base"] = api_base
        if temperature is not None:
            kwargs["temperature"] = temperature
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        # asyncio.timeout, not wait_for: wait_for runs the call in another task, and chunks of a
        # stream that breaks early are then lost before this task sees them.
        # the network clocks are for endpoints; the local offline provider has only the step's
        # `timeout` (under heavy load its first call can take longer than a dead endpoint's budget)
        first_wait = timeout if self.is_offline(model) else min(self.first_token_timeout, timeout)
        first_deadline = asyncio.get_running_loop().time() + first_wait
        try:
            async with asyncio.timeout_at(first_deadline):
                response = await litellm.acompletion(**kwargs)
        except TimeoutError:
            raise _no_first_token(model, first_wait) from None
        iterator = response.__aiter__()
        usage: Any = None
        finish: str | None = None
        received = 0
        saw_content = False  # a real stream carries content deltas ("" counts); a broken body does not
        while True:
            try:
                # until the first chunk: what is left of the first-token wait; then `timeout` of silence
                wait_until = first_deadline if not received else asyncio.get_running_loop().time() + timeout
                async with asyncio.timeout_at(wait_until):
                    chunk = await iterator.__anext__()
            except TimeoutError:
                if received:
                    raise
                raise _no_first_token(model, first_wait) from None
            except StopAsyncIteration:
                break
            received += 1
            choices = getattr(chunk, "choices", None) or []
            if choices:
                delta = getattr(choices[0], "delta", None)
                piece = getattr(delta, "content", None) if delta is not None else None
                saw_content = saw_content or piece is not None
                if piece:
                    delivered.append(piece)
                    await call_delta(on_delta, piece)
                finish = getattr(choices[0], "finish_reason", None) or finish
            chunk_usage = getattr(chunk, "usage", None)
            if chunk_usage:
                usage = chunk_usage
        text = "".join(delivered)
        if not received or (not saw_content and usage is None):
            raise LLMError(
                "the provider sent no readable answer (not an OpenAI-compatible stream)",
                kind="malformed",
                where=f"model {model}",
                hint="check that --api-base points at an OpenAI-compatible /v1 endpoint",
            )
        if not text.strip():
            raise LLMError(
                "the model returned an empty answer",
                kind="empty",
                hint="send again, or try another model",
                where=f"model {model}",
            )
        if self.is_offline(model):
            return Completion(text=text, model=offline.OFFLINE_MODEL, offline=True, finish_reason=finish)
        prompt_tokens, completion_tokens = _usage_numbers(litellm, usage, model, messages, text)
        return Completion(
            text=text,
            model=model,
            offline=False,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=_cost(litellm, model, prompt_tokens, completion_tokens),
            finish_reason=finish,
        )


def _http_timeout(total: float, connect: float) -> Any:
    """httpx's timeout with its own connect limit (LiteLLM hands it to the OpenAI client)."""
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx comes with litellm
        return total
    return httpx.Timeout(total, connect=min(connect, total))


def _no_first_token(model: str, seconds: float) -> LLMError:
    return LLMError(
        f"the model did not answer within {seconds:g} s",
        kind="timeout",
        where=f"model {model}",
        hint="the server may be overloaded or down; send again, or raise AXTUI_LLM_FIRST_TOKEN_TIMEOUT",
    )


def _usage_numbers(
    litellm: Any, usage: Any, model: str, messages: list[dict[str, Any]], text: str
) -> tuple[int, int]:
    """Tokens from the stream's usage block, else LiteLLM's own counter."""
    if usage is not None:
        prompt = getattr(usage, "prompt_tokens", None)
        done = getattr(usage, "completion_tokens", None)
        if isinstance(prompt, int) and isinstance(done, int):
            return prompt, done
    try:
        prompt = int(litellm.token_counter(model=model, messages=messages))
        done = int(litellm.token_counter(model=model, text=text))
        return prompt, done
    except Exception:  # counting is best effort; never fail a turn over it
        return 0, 0


def _cost(litellm: Any, model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """LiteLLM's price for these tokens, or 0.0 for models it has no price for (local servers)."""
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
        return float(prompt_cost) + float(completion_cost)
    except Exception:  # unknown model: no price
        return 0.0
