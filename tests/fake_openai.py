"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests that must not touch the network.

Speaks ``POST /v1/chat/completions`` with and without SSE streaming, and ``GET /v1/models``.
Each request takes the next scripted :class:`Reply` (or :attr:`FakeOpenAI.default` when the
script is empty), so one test can say "429 with Retry-After, then an answer" in one line::

    from tests.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401  (fixture)

    def test_rate_limit(fake_openai):
        fake_openai.script(Reply(status=429, headers={"Retry-After": "0"}), Reply(text="hi"))
        ... --model openai/fake --api-base {fake_openai.url} ...
        assert len(fake_openai.requests) == 2

Faults it can play: an HTTP error status with a JSON error body, a body that is not JSON, an
empty completion, an empty ``choices`` list (``no_choices=True``), a connection that is accepted
and never answered (``hang=True``; released
when the server stops), and a stream cut off after ``cut_after`` chunks (chunked transfer
encoding ended without its terminating chunk, so clients see a broken body, not an end).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Reply:
    """One scripted answer to one request."""

    text: str = "Hello from the fake server."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str | bytes | None = None  # raw body instead of a generated one (malformed JSON, ...)
    error_message: str | None = None  # message in the JSON error body for status >= 400
    error_type: str | None = None
    error_code: str | None = None
    hang: bool = False  # accept the request and never answer
    cut_after: int | None = None  # streaming: drop the connection after this many content chunks
    chunk_size: int = 4  # streaming: characters per content chunk
    prompt_tokens: int = 11
    completion_tokens: int | None = None  # default: number of words in text
    finish_reason: str = "stop"
    no_choices: bool = False  # HTTP 200 whose ``choices`` list is empty (streamed: every chunk)


@dataclass
class Request:
    """What the server received: for assertions about retries, headers and payloads."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


class FakeOpenAI:
    """A threaded HTTP server speaking enough of the OpenAI API for LiteLLM's ``openai/`` provider."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.requests: list[Request] = []
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The ``api_base`` to hand to LiteLLM (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order (appends to what is queued)."""
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def start(self) -> FakeOpenAI:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # free handlers that were told to hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ---------------------------------------------------
    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _wait_released(self) -> None:
        self._release.wait()


def _completion_tokens(reply: Reply) -> int:
    if reply.completion_tokens is not None:
        return reply.completion_tokens
    return len(reply.text.split())


def _usage(reply: Reply) -> dict[str, int]:
    done = _completion_tokens(reply)
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": done,
        "total_tokens": reply.prompt_tokens + done,
    }


def _make_handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
            else:
                self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            server._record(Request(self.path, dict(self.headers.items()), body))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            reply = server.next_reply()
            if reply.hang:
                server._wait_released()
                self.close_connection = True
                return
            if reply.status >= 400:
                self._send_error(reply)
                return
            if reply.body is not None:
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self._send_raw(200, data, "application/json", reply.headers)
                return
            model = (body or {}).get("model", "fake")
            if (body or {}).get("stream"):
                self._stream(
                    reply, model, bool(((body or {}).get("stream_options") or {}).get("include_usage"))
                )
            else:
                self._send_json(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": []
                        if reply.no_choices
                        else [
                            {
                                "index": 0,
                                "finish_reason": reply.finish_reason,
                                "message": {"role": "assistant", "content": reply.text},
                            }
                        ],
                        "usage": _usage(reply),
                    },
                    reply.headers,
                )

        # -- writers -----------------------------------------------------------
        def _send_raw(
            self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

        def _send_error(self, reply: Reply) -> None:
            default_messages = {
                401: "Incorrect API key provided.",
                404: "The model does not exist.",
                429: "Rate limit reached.",
                500: "The server had an error.",
            }
            message = reply.error_message or default_messages.get(reply.status, "error")
            payload = {
                "error": {
                    "message": message,
                    "type": reply.error_type or "server_error",
                    "code": reply.error_code,
                    "param": None,
                }
            }
            data = reply.body if reply.body is not None else json.dumps(payload)
            self._send_raw(
                reply.status,
                data.encode() if isinstance(data, str) else data,
                "application/json",
                reply.headers,
            )

        def _chunk(self, payload: dict[str, Any] | str) -> None:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            data = f"data: {text}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _stream(self, reply: Reply, model: str, include_usage: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            base = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
            }
            if reply.no_choices:
                self._chunk({**base, "choices": [], "usage": _usage(reply)})
                self._chunk("[DONE]")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            self._chunk(
                {
                    **base,
                    "choices": [
                        {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
                    ],
                }
            )
            pieces = [
                reply.text[i : i + reply.chunk_size] for i in range(0, len(reply.text), reply.chunk_size)
            ]
            for n, piece in enumerate(pieces):
                if reply.cut_after is not None and n >= reply.cut_after:
                    self._cut()
                    return
                self._chunk(
                    {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                )
            if reply.cut_after is not None:
                self._cut()
                return
            self._chunk(
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]}
            )
            if include_usage:
                self._chunk({**base, "choices": [], "usage": _usage(reply)})
            self._chunk("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _cut(self) -> None:
            """End the connection without the final zero-length chunk: a broken body."""
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


def free_port() -> int:
    """A port nobody listens on (for connection-refused tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started fake server; stopped (and hanging requests released) after the test."""
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
