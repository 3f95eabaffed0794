"""The CLI and core import path must not pull in Textual, litellm or scipy (docs/ARCHITECTURE.md).

Each module is imported in a fresh interpreter, so one module's imports cannot hide
another's. Add a module to ``LIGHT_MODULES`` when it joins the start-up path.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
