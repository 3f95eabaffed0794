"""The shared format and table layer (axtui/present): one style for numbers, percents, TTLs and
missing values, tables that never cut a key cell, and full output in a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from axtui.present import format as fmt
from axtui.present import tables


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5000, "5,000"),
        (5000.0, "5,000"),
        (3841, "3,841"),
        (0.31442, "0.3144"),
        (12345.678, "12,346"),
        (1.2e-40, "1.2e-40"),
        (None, "—"),
        (float("nan"), "—"),
        (True, "yes"),
    ],
)
def test_numbers(value: object, text: str) -> None:
    assert fmt.number(value) == text


def test_percent_pvalue_interval_and_missing() -> None:
    assert fmt.percent(0.3144) == "+31.4%"
    assert fmt.percent(-0.0164) == "-1.6%"
    assert fmt.percent(None) == "—"
    assert fmt.pvalue(0.00225) == "0.00225" and fmt.pvalue(3e-9) == "< 0.0001"
    assert fmt.interval(0.006, 0.03) == "[0.006, 0.03]" and fmt.interval(None, 1) == "—"
    assert fmt.cell("") == "—" and fmt.cell([1, 2]) == "[1, 2]"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "permanent"), (365 * 86400, "365 d"), (30 * 86400, "30 d"), (3600, "1 h"), (129600, "1 d 12 h")],
)
def test_one_ttl_style(seconds: object, text: str) -> None:
    assert fmt.ttl(seconds) == text


def test_readable_labels() -> None:
    assert fmt.label("ab_primary_metric") == "A/B primary metric"
    assert fmt.label("mde") == "MDE"
    assert fmt.label("error_threshold") == "Error threshold"
    assert fmt.label("x", "Given label") == "Given label"


def test_angle_brackets_stay_visible_in_markdown_but_not_in_code() -> None:
    text = "runs named <prefix>-- and `<code>`\n```\n<a>\n```"
    assert fmt.markdown_literal(text) == "runs named \\<prefix>-- and `<code>`\n```\n<a>\n```"


@settings(deadline=None)  # rendering a table took over the 200 ms default on a loaded 2-core machine
@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=30), st.floats(allow_nan=False, width=32)), max_size=8)
)
def test_key_cells_are_never_cut(rows: list[tuple[str, float]]) -> None:
    """Rendered at its minimum width, every key cell appears whole on one line."""
    cells = [[f"row {i}", fmt.pvalue(p), reason] for i, (reason, p) in enumerate(rows)]
    table = tables.build(["name", "p:key", "reason"], cells)
    width = tables.minimum_width(table)
    console = Console(width=width, file=None, record=True, legacy_windows=False)
    console.print(table)
    lines = console.export_text().splitlines()
    for _, p_text, _ in cells:
        assert any(p_text in line for line in lines)


def test_rich_text_cells_keep_their_text() -> None:
    table = tables.build(["result:key"], [[Text("PASS", style="green")]])
    assert tables.minimum_width(table) >= len("PASS")


def test_piped_workflows_list_prints_ids_in_full(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "axtui", "workflows", "list"],
        capture_output=True,
        text=True,
        env={**env, "PATH": "/usr/bin:/bin", "COLUMNS": "80"},
        check=True,
    )
    assert "ml-ab-testing " in done.stdout and "mlops-deployment " in done.stdout
    assert "…" not in done.stdout


def test_piped_memory_list_prints_keys_and_values_in_full(tmp_path: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "80",
        "AXTUI_DB": str(tmp_path / "p.duckdb"),
    }
    long_value = '{"note": "' + "word " * 80 + 'end-of-the-value"}'
    key = "a-rather-long-experiment-key/with-a-sub-key-that-is-long"

    def axtui(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "axtui", *args], capture_output=True, text=True, env=env, check=True
        ).stdout

    axtui("memory", "store", "-n", "ml-experiments", "-k", key, "-v", long_value)
    listed = axtui("memory", "list")
    assert key in listed and "end-of-the-value" in listed and "…" not in listed
    # (sessions in a pipe: tests/test_step_count.py reads a whole row of `axtui sessions`)
