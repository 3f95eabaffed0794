"""Provider faults against a local OpenAI-compatible server: retries, clear errors, nothing lost, no keys.

Every case ends by sending the next message, which must work at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from axtui.config import Settings
from axtui.core.chat import ChatService, TurnResult
from axtui.core.llm import LLMClient, LLMError, redact
from axtui.core.store import Store
from tests.fake_openai import FakeOpenAI, Reply, fake_openai, free_port  # noqa: F401  (fixture)

KEY = "sk-test-PLANTED123"
ANSWER = "Split by time: train on the past, validate on the next window, test on the latest."


class Sleeps:
    """Records backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(autouse=True)
def planted_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return KEY


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def server(fake_openai: FakeOpenAI) -> FakeOpenAI:  # noqa: F811
    fake_openai.default = Reply(text=ANSWER)
    return fake_openai


def make_client(url: str, sleeps: Sleeps, **kw: object) -> LLMClient:
    options: dict[str, object] = {"max_retries": 2, "backoff_base": 0.01, "timeout": 5.0, "sleep": sleeps}
    options.update(kw)
    return LLMClient(Settings(model="openai/fake", api_base=url), **options)  # type: ignore[arg-type]


@pytest.fixture
def chat(store: Store, server: FakeOpenAI, sleeps: Sleeps) -> Iterator[tuple[ChatService, str]]:
    client = make_client(server.url, sleeps)
    service = ChatService(store, client.settings, client=client)
    yield service, service.new_conversation("data-scientist")


def send(
    service: ChatService, conversation: str, text: str = "How should I split time-series data?", **kw: object
) -> TurnResult:
    return service.send(conversation, text, persona="data-scientist", **kw)  # type: ignore[arg-type]


def assert_next_send_works(service: ChatService, conversation: str, server: FakeOpenAI) -> None:
    server.default = Reply(text=ANSWER)
    result = send(service, conversation, "And the validation window?")
    assert result.complete and result.error is None and result.text == ANSWER


# -- the happy path ------------------------------------------------------------------


def test_streams_the_servers_answer_with_usage(chat: tuple[ChatService, str], server: FakeOpenAI) -> None:
    service, conversation = chat
    pieces: list[str] = []
    result = send(service, conversation, on_delta=pieces.append)
    assert result.complete and result.text == ANSWER and "".join(pieces) == ANSWER and len(pieces) > 5
    assert (result.model, result.offline) == ("openai/fake", False)
    assert (result.prompt_tokens, result.completion_tokens) == (11, len(ANSWER.split()))
    assert result.cost_usd == 0.0  # LiteLLM has no price for a local model
    body = server.requests[-1].body
    assert body is not None and body["stream"] is True and body["model"] == "fake"
    assert body["temperature"] == 0.3 and body["max_tokens"] == 8000  # from the persona
    assert body["messages"][0]["role"] == "system" and body["messages"][0]["content"].startswith(
        "You are Dana"
    )
    stored = service.messages(conversation)
    assert [(m["role"], m["complete"]) for m in stored] == [("user", True), ("assistant", True)]
    assert stored[1]["completion_tokens"] == len(ANSWER.split()) and stored[1]["model"] == "openai/fake"


# -- retried faults ------------------------------------------------------------------


def test_429_with_retry_after_then_success(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps
) -> None:
    service, conversation = chat
    server.script(Reply(status=429, headers={"Retry-After": "2"}))
    result = send(service, conversation)
    assert result.complete and result.text == ANSWER
    assert sleeps.delays == [2.0] and len(server.requests) == 2


def test_retry_after_is_capped(server: FakeOpenAI, sleeps: Sleeps) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "3600"}))
    client = make_client(server.url, sleeps, retry_after_cap=4.0)
    assert client.stream([{"role": "user", "content": "hi"}]).text == ANSWER
    assert sleeps.delays == [4.0]


def test_500_twice_then_success_with_exponential_backoff(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps
) -> None:
    service, conversation = chat
    server.script(Reply(status=500), Reply(status=503))
    result = send(service, conversation)
    assert result.complete and result.text == ANSWER and len(server.requests) == 3
    first, second = sleeps.delays
    assert 0.005 <= first <= 0.01 and 0.01 <= second <= 0.02  # base 0.01 doubled, with jitter


def test_500_always_fails_clearly_and_keeps_the_conversation(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps
) -> None:
    service, conversation = chat
    server.default = Reply(status=500)
    result = send(service, conversation)
    assert not result.complete and result.text == ""
    assert (
        isinstance(result.error, LLMError) and result.error.kind == "server" and result.error.exit_code == 3
    )
    assert result.error.attempts == 3 and len(server.requests) == 3 and len(sleeps.delays) == 2
    assert "HTTP 500" in result.error.message and "3 attempts" in result.error.message
    stored = service.messages(conversation)
    assert [(m["role"], m["complete"]) for m in stored] == [("user", True), ("assistant", False)]
    assert "HTTP 500" in stored[1]["error"]
    assert_next_send_works(service, conversation, server)


def test_timeout_is_honoured(store: Store, server: FakeOpenAI, sleeps: Sleeps) -> None:
    client = make_client(server.url, sleeps, timeout=0.3, max_retries=1)
    service = ChatService(store, client.settings, client=client)
    conversation = service.new_conversation("data-scientist")
    server.script(Reply(hang=True), Reply(hang=True))
    result = send(service, conversation)
    assert result.error is not None and result.error.kind == "timeout"
    assert "0.3 s" in result.error.message and len(sleeps.delays) == 1
    assert_next_send_works(service, conversation, server)


def test_connection_refused(store: Store, sleeps: Sleeps) -> None:
    port = free_port()
    client = make_client(f"http://127.0.0.1:{port}/v1", sleeps)
    service = ChatService(store, client.settings, client=client)
    conversation = service.new_conversation("data-scientist")
    result = send(service, conversation)
    assert result.error is not None and result.error.kind == "unreachable"
    assert f"127.0.0.1:{port}" in result.error.message and "--api-base" in (result.error.hint or "")
    assert len(sleeps.delays) == 2  # retried, then gave up
    with FakeOpenAI(Reply(text=ANSWER)) as server:
        service.client.settings.api_base = server.url
        assert_next_send_works(service, conversation, server)


# -- faults that are not retried ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "kind", "phrase"),
    [
        (Reply(body="{not json"), "malformed", "not an OpenAI-compatible stream"),
        (Reply(body="data: {broken\n\n"), "malformed", "not valid JSON"),
        (Reply(text=""), "empty", "empty answer"),
        (Reply(status=401, error_message=f"Incorrect API key provided: {KEY}."), "auth", "API key"),
        (
            Reply(status=404, error_message="The model `fake` does not exist", error_code="model_not_found"),
            "model_not_found",
            "unknown model 'openai/fake'",
        ),
        (
            Reply(
                status=400,
                error_code="context_length_exceeded",
                error_type="invalid_request_error",
                error_message="This model's maximum context length is 8192 tokens. However, your messages "
                "resulted in 9000 tokens.",
            ),
            "context_length",
            "too long",
        ),
    ],
)
def test_unretried_faults_map_to_one_clear_message(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps, reply: Reply, kind: str, phrase: str
) -> None:
    service, conversation = chat
    server.script(reply)
    result = send(service, conversation)
    assert result.error is not None and result.error.kind == kind, result.error
    assert phrase in result.error.message and result.error.hint
    assert sleeps.delays == [] and len(server.requests) == 1
    assert KEY not in result.error.render() and KEY not in result.error.detail
    assert service.messages(conversation)[-1]["complete"] is False
    assert_next_send_works(service, conversation, server)


def test_stream_cut_mid_answer_keeps_the_partial_text(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps
) -> None:
    service, conversation = chat
    server.script(Reply(text=ANSWER, cut_after=3, chunk_size=4))
    shown: list[str] = []
    result = send(service, conversation, on_delta=shown.append)
    assert result.text == ANSWER[:12] == "".join(shown)  # exactly what reached the screen
    assert not result.complete and result.error is not None and result.error.kind == "interrupted"
    assert sleeps.delays == []  # never retried behind the user's back once text was shown
    stored = service.messages(conversation)[-1]
    assert (stored["content"], stored["complete"]) == (ANSWER[:12], False)
    # retry: the same question again works, and the failed turn is not sent twice as history
    retry = send(service, conversation)
    assert retry.complete and retry.text == ANSWER
    sent = server.requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]


# -- secrets ----------------------------------------------------------------------------------


def test_api_key_never_reaches_db_exports_or_errors(
    db_path: Path, server: FakeOpenAI, sleeps: Sleeps
) -> None:
    store = Store(db_path)
    client = make_client(server.url, sleeps)
    service = ChatService(store, client.settings, client=client)
    conversation = service.new_conversation("data-scientist")
    server.script(
        Reply(status=401, error_message=f"Incorrect API key provided: {KEY}. Bearer {KEY}"),
        Reply(text=ANSWER, cut_after=2),
        Reply(status=500),
        Reply(status=500),
        Reply(status=500),
    )
    results = [send(service, conversation) for _ in range(4)]
    assert [r.error.kind if r.error else None for r in results] == ["auth", "interrupted", "server", None]
    assert server.requests[0].headers.get("authorization") == f"Bearer {KEY}"  # the key was used...
    exports = [service.export(conversation, fmt) for fmt in ("json", "yaml", "md")]
    store.close()
    assert KEY.encode() not in db_path.read_bytes()  # ...but never stored
    for text in exports:
        assert KEY not in text
    for r in results:
        if r.error:
            assert (
                KEY not in r.error.render()
                and KEY not in str(r.error.to_dict())
                and KEY not in r.error.detail
            )


def test_redact_removes_keys_and_env_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PROVIDER_API_KEY", "plain-secret-value-42")
    text = redact(
        "key sk-abc123DEF456 bearer ABCDEFGHIJ api_key=zzzzzzzz1 plain-secret-value-42 risk-free ok"
    )
    assert "sk-abc123DEF456" not in text and "ABCDEFGHIJ" not in text and "zzzzzzzz1" not in text
    assert "plain-secret-value-42" not in text
    assert "risk-free ok" in text


def test_an_empty_choices_list_is_its_own_error_and_not_retried(
    chat: tuple[ChatService, str], server: FakeOpenAI, sleeps: Sleeps
) -> None:
    service, conversation = chat
    server.script(Reply(no_choices=True))
    result = send(service, conversation)
    assert result.error is not None and result.error.kind == "no_answer"
    assert "the model returned no answer" in result.error.message
    assert "500" not in result.error.message
    assert len(server.requests) == 1 and sleeps.delays == []
    assert_next_send_works(service, conversation, server)


def test_a_hung_endpoint_is_given_up_on_within_the_budget(server: FakeOpenAI, sleeps: Sleeps) -> None:
    """First-token timeout per attempt; no retry that would end past give_up_after."""
    client = make_client(
        server.url, sleeps, timeout=60.0, first_token_timeout=0.3, give_up_after=1.0, max_retries=10
    )
    server.default = Reply(hang=True)
    with pytest.raises(LLMError) as err:
        client.stream([{"role": "user", "content": "hi"}])
    assert err.value.kind == "timeout" and "0.3 s" in err.value.message
    assert 1 <= err.value.attempts <= 3 and len(server.requests) == err.value.attempts


def test_default_timeouts_give_up_on_a_dead_endpoint_within_30_s() -> None:
    client = LLMClient(Settings(model="openai/fake"))
    assert client.connect_timeout <= client.first_token_timeout <= client.give_up_after <= 30
    assert client.timeout >= client.first_token_timeout  # the step's own timeout is separate


def test_the_offline_provider_is_not_held_to_the_network_first_token_clock() -> None:
    client = LLMClient(Settings(model="offline"), first_token_timeout=0.000001, give_up_after=0.000001)
    result = client.stream([{"role": "user", "content": "How should I split time-series data?"}])
    assert result.offline and result.text.strip()
