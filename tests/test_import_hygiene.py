"""The CLI, core and replay import paths must not pull in Textual, litellm or scipy (docs/ARCHITECTURE.md).

Each module is imported in a fresh interpreter, so one module's imports cannot hide
another's. Add a module to ``LIGHT_MODULES`` when it joins the start-up path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.replay_support import EXAMPLE_RUNS, REPO, replay_file

HEAVY = ("textual", "litellm", "scipy")

LIGHT_MODULES = [
    "axtui.cli",
    "axtui.core.store",
    "axtui.core.namespaces",
    "axtui.core.memory",
    "axtui.core.query",
    "axtui.core.query_plan",
    "axtui.entry",
    "axtui.batch",
    "axtui.stats.pvalues",
    "axtui.commands.memory",
]

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
heavy = sys.argv[2].split(",")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_module_imports_without_heavy_dependencies(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module, ",".join(HEAVY)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], f"{module} imports {result.stdout.strip()}"


# The replay path (``python -m axtui --batch FILE``, as the console script runs it): a recorded
# replay of either workflow must not load the CLI framework, the dataframe/array/statistics
# stacks or the model client; the replayed steps do not need them (bench/batch.md). Nor the
# ``duckdb`` package around the engine: the store talks to ``_duckdb`` itself (core/store.py).
REPLAY_HEAVY = (*HEAVY, "typer", "click", "pydantic", "polars", "numpy", "rich", "duckdb")
# Nor what a replay of recorded turns never uses, each imported where it is needed (every one
# was a measurable part of a replay's start, bench/batch.md): an event loop (recorded turns run
# without one), ruamel (the loader has its YAML 1.2 table), the LLM client and the offline
# narrator, the memory search language and import/export.
REPLAY_UNUSED = (
    "asyncio",
    "ruamel",
    "concurrent",
    "axtui.core.llm",
    "axtui.core.offline",
    "axtui.core.narrator",
    "axtui.core.router",
    "axtui.core.query",
    "axtui.core.query_parser",
    "axtui.core.query_plan",
    "axtui.core.query_sql",
    "axtui.core.memory_io",
)

REPLAY_PROBE = """
import json, runpy, sys
sys.argv = ["axtui", *sys.argv[1:]]
try:
    runpy.run_module("axtui", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
names = sorted({m.split(".")[0] for m in sys.modules})
sys.stderr.write("MODULES " + json.dumps([code, names]) + "\\n")
"""


@pytest.mark.parametrize("workflow_id", sorted(EXAMPLE_RUNS))
def test_the_replay_path_stays_light(tmp_path: Path, workflow_id: str) -> None:
    replay = replay_file(tmp_path, workflow_id)
    argv = ["--db", str(tmp_path / "r.duckdb"), "--json", "--batch", str(replay)]
    result = subprocess.run(
        [sys.executable, "-c", REPLAY_PROBE, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next((x for x in result.stderr.splitlines() if x.startswith("MODULES ")), None)
    assert line is not None, result.stderr[-2000:]
    code, names = json.loads(line.removeprefix("MODULES "))
    assert code == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["status"] == "completed"
    loaded = sorted(set(names) & set(REPLAY_HEAVY))
    assert loaded == [], f"the {workflow_id} replay imports {loaded}"
