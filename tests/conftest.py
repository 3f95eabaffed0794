"""Fixtures every test shares: an isolated home, a throwaway database, a clock to move by hand."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import axtui.stats  # noqa: F401  numpy's sort path as axtui's own processes choose it (stats/cpu.py)
from axtui.core.clock import FakeClock
from axtui.core.memory import Memory
from axtui.core.store import Store

DATA = Path(__file__).parent / "data"


def _seed_environment() -> None:
    """Give every name the fixtures set per test a value once, before any thread starts.

    glibc's ``getenv`` is not safe against a ``setenv`` that *adds* a name: adding reallocates
    the environment array, and a native thread reading it meanwhile (OpenBLAS, DuckDB and polars
    workers call ``getenv``) reads freed memory. A pytest-xdist worker died of it in
    ``monkeypatch.setenv`` (soak of 2026-12-02, run 2: "Fatal Python error: Segmentation fault",
    no Python frame in the crashing thread). With the names present, a test's ``setenv`` and its
    undo replace one pointer in place; the array is only reallocated by the few tests that add
    a provider key of their own.
    """
    home = Path(tempfile.mkdtemp(prefix="axtui-tests-home-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(home / name.lower())
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("TERM", "xterm-256color")  # the TUI tests pin it; CI may have none


_seed_environment()

# No timed assertions, Hypothesis' included: its 200 ms deadline per example and its "too slow"
# health check fail tests on a loaded 2-core machine (seen: a 0.2 ms comparison took 530 ms once).
# Speed is measured by bench/, never here.
settings.register_profile("axtui", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("axtui")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the real ~/.config, ~/.local and ~/.cache and from real provider keys."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    for var in ("AXTUI_DB", "AXTUI_MODEL", "AXTUI_API_BASE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "axtui.duckdb"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A fresh database file per test, closed afterwards so nothing holds its lock."""
    s = Store(db_path, clock=clock)
    yield s
    s.close()


@pytest.fixture
def data_dir() -> Path:
    return DATA


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def empty_memory() -> Callable[[], tuple[Memory, FakeClock]]:
    """For hypothesis tests: one in-memory store for every example (opening one each would
    dominate the run); each call empties it and gives it a fresh clock."""
    store = Store(":memory:", clock=FakeClock())
    memory = Memory(store)

    def fresh() -> tuple[Memory, FakeClock]:
        clock = store.clock = FakeClock()
        with store.transaction() as con:
            for table in ("memory_fields", "memory_entries", "memory_history"):
                con.execute(f"DELETE FROM {table}")
        return memory, clock

    return fresh
