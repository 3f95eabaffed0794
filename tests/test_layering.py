"""The import layers hold in every module, function-level and TYPE_CHECKING imports included.

stats <- core <- front ends (tui; cli + commands; batch). ``axtui.errors``, ``axtui.values``,
``axtui.config`` and ``axtui.present`` are shared below the front ends. The only edges from one
front end into another are the launchers the root CLI dispatches to (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "axtui"

# Which layer a module belongs to, by its dotted name (longest prefix wins).
LAYERS = {
    "axtui.stats": "stats",
    "axtui.core": "core",
    "axtui.tui": "tui",
    "axtui.cli": "cli",
    "axtui.commands": "cli",
    "axtui.batch": "batch",
    "axtui.present": "present",
    "axtui.errors": "base",
    "axtui.values": "base",
    "axtui.config": "base",
    "axtui": "base",  # the package itself (__version__)
    "axtui.entry": "entry",
    "axtui.__main__": "entry",
}
FRONT_ENDS = {"tui", "cli", "batch"}
# layer -> the layers it must never import
FORBIDDEN = {
    "base": {"stats", "core", "present", *FRONT_ENDS},
    "stats": {"core", "present", *FRONT_ENDS},
    "core": {"present", *FRONT_ENDS},
    "present": FRONT_ENDS,
    "tui": {"cli", "batch"},
    "cli": {"tui", "batch"},
    "batch": {"tui", "cli"},
    "entry": set(),
}
# (importing module or package, imported module): the launchers. The root CLI dispatches ``--batch``
# to the replayer; a command that opens the TUI (``axtui``, ``axtui run``) calls its launcher.
LAUNCHERS = {
    ("axtui.cli", "axtui.batch"),
    ("axtui.cli", "axtui.tui.launch"),
    ("axtui.commands", "axtui.tui.launch"),
}


def layer_of(module: str) -> str | None:
    best = None
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return LAYERS[best] if best is not None else None


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(code: str, name: str, *, is_package: bool = False) -> list[tuple[str, int]]:
    """Every ``axtui`` module the code imports anywhere (module level, functions, TYPE_CHECKING)."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from axtui.core import memory`` imports the submodule
            found.append((target, node.lineno))
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return [(t, line) for t, line in found if t == "axtui" or t.startswith("axtui.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def violations_in(code: str, source: str, *, is_package: bool = False) -> list[str]:
    own = layer_of(source)
    assert own is not None, f"{source} belongs to no layer: add it to LAYERS"
    out = []
    for target, line in imports_in(code, source, is_package=is_package):
        other = layer_of(target)
        if other in FORBIDDEN[own] and not any(
            _within(source, s) and _within(target, t) for s, t in LAUNCHERS
        ):
            out.append(f"{source}:{line}: {own} module imports {target} ({other})")
    return out


def violations(path: Path) -> list[str]:
    code = path.read_text(encoding="utf-8")
    return violations_in(code, module_name(path), is_package=path.name == "__init__.py")


def test_every_module_is_checked() -> None:
    names = {module_name(p) for p in MODULES}
    assert {
        "axtui.stats.drift",
        "axtui.core.workflow.computes.catalogue",
        "axtui.tui.app",
        "axtui.batch",
    } <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_module_respects_the_layers(path: Path) -> None:
    assert violations(path) == []


def test_the_checker_sees_function_level_relative_and_type_checking_imports() -> None:
    """A deferred import inside a function is an edge too; so are relative and typing-only ones."""
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from axtui.commands import output\n"
        "def f():\n    from axtui.core import memory\n    from ..tui import app\n"
        "from axtui.errors import InputError\n"
    )
    found = violations_in(code, "axtui.stats.probe")
    assert [v.split(": ", 1)[1] for v in found if v.endswith(")")][:3] == [
        "stats module imports axtui.commands (cli)",
        "stats module imports axtui.commands.output (cli)",
        "stats module imports axtui.core (core)",
    ]
    assert any("axtui.tui.app (tui)" in v for v in found)
    assert not any("axtui.errors" in v for v in found)
    # the launchers are the only edges between front ends
    assert violations_in("from axtui.tui.launch import launch_tui\n", "axtui.cli") == []
    assert violations_in("from axtui.tui.app import AxtuiApp\n", "axtui.cli") != []
    assert violations_in("from axtui.batch import run_batch\n", "axtui.commands.x") != []
