"""The two A/B readers (plain Python for a small CSV, polars for the rest) give identical analyses.

The analysis reads only per-arm summaries (axtui/stats/ab_sample.py); each reader builds them,
so every number of `ab.analyze` must come out bit for bit the same whichever reader ran.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axtui.errors import InputError
from axtui.stats import ab, ab_data

REPO = Path(__file__).resolve().parent.parent

ARMS = st.sampled_from(["control", "treatment", "variant-b", ""])
BINARY = st.sampled_from(["0", "1", ""])
# few distinct values (ties), negative zero, integers and decimals, exponents, empty cells
NUMBER = st.one_of(
    st.integers(-3, 40).map(str),
    st.integers(-2000, 2000).map(lambda i: repr(i / 8)),
    st.sampled_from(["-0.0", "0.0", "1e-05", "2.5e+3", "-0", ""]),
)


def _row() -> st.SearchStrategy[list[str]]:
    return st.tuples(ARMS, BINARY, NUMBER, NUMBER, st.integers(-50, 50).map(str)).map(list)


def _write(path: Path, rows: list[list[str]]) -> Path:
    lines = ["user,variant,converted,revenue,latency_ms,pre_revenue"]
    lines += [",".join([f"u{i}", *r]) for i, r in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _outcome(events: Any, **options: Any) -> str:
    """The analysis as canonical JSON (NaN compares equal to NaN there), or the error it raised."""
    try:
        return json.dumps(ab.analyze(events, variant_col="variant", **options), sort_keys=True)
    except InputError as exc:
        return f"error: {exc.where}: {exc.message}"


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> tuple[str, str]:
    plain = _outcome(path, **options)
    with monkeypatch.context() as m:
        m.setattr(ab_data, "SMALL_CSV_BYTES", 0)  # every file to polars
        framed = _outcome(path, **options)
    return plain, framed


OPTIONS = st.sampled_from(
    [
        {
            "metrics": ["converted", "revenue"],
            "guardrails": ["latency_ms"],
            "lower_is_better": ["latency_ms"],
        },
        {"metrics": ["revenue"], "covariates": {"revenue": "pre_revenue"}, "sequential": True},
        {"metrics": ["latency_ms", "converted"], "correction": "holm", "mde": 0.1},
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row(), min_size=1, max_size=60), options=OPTIONS)
def test_both_readers_give_identical_analyses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[str]], options: dict[str, Any]
) -> None:
    path = _write(tmp_path / "events.csv", rows)
    plain, framed = _both(path, monkeypatch, **options)
    assert plain == framed


def test_the_example_file_is_read_without_polars_and_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = REPO / "examples" / "data" / "ab_events.csv"
    columns = ["variant", "converted", "revenue", "latency_ms"]
    assert ab_data.read_small_csv(events, str(events), "variant", columns, {}) is not None
    options = {"metrics": ["converted", "revenue"], "guardrails": ["latency_ms"], "sequential": True}
    plain, framed = _both(events, monkeypatch, **options)
    assert plain == framed
    frame = _outcome(
        pl.read_csv(events), **options
    )  # a frame given directly: same numbers, another source name
    assert frame.replace('"<data>', '"' + str(events)) == plain


def test_an_analysis_of_a_small_csv_loads_neither_polars_nor_numpy() -> None:
    probe = (
        "import sys\n"
        "from axtui.stats import ab\n"
        "out = ab.analyze('examples/data/ab_events.csv', variant_col='variant', "
        "metrics=['converted', 'revenue'], guardrails=['latency_ms'])\n"
        "print(out['decision'], sorted(m for m in ('polars', 'numpy', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    decision, loaded = done.stdout.split(" ", 1)
    assert decision in {"SHIP", "ROLLBACK", "EXTEND", "NO_SHIP", "INVALID"}
    assert loaded.strip() == "[]"


@pytest.mark.parametrize(
    "body, why",
    [
        ('variant,converted\n"control",1\ntreatment,0\ncontrol,0\ntreatment,1\n', "quoted cell"),
        ("variant,converted\ncontrol,true\ntreatment,false\ncontrol,false\ntreatment,true\n", "booleans"),
        ("variant,converted\n1,1\n2,0\n1,0\n2,1\n", "numeric arm names"),
        ("variant,converted\ncontrol,1\ntreatment,x\ncontrol,0\ntreatment,1\n", "a text cell"),
        ("variant,converted\ncontrol,1\ntreatment,inf\ncontrol,0\ntreatment,1\n", "infinity"),
        ("variant,converted\ncontrol, 1\ntreatment,0\ncontrol,0\ntreatment,1\n", "a padded number"),
        ("variant,converted\ncontrol,1,2\ntreatment,0\n", "a ragged row"),
        ("variant,other\ncontrol,1\ntreatment,0\n", "a missing column"),
        ("variant,converted\n", "no rows"),
    ],
)
def test_anything_less_plain_goes_to_polars_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, why: str
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(body)
    assert ab_data.read_small_csv(path, str(path), "variant", ["variant", "converted"], {}) is None, why
    plain, framed = _both(path, monkeypatch, metrics=["converted"])
    assert plain == framed


def test_a_null_covariate_goes_to_polars_which_names_it(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("variant,y,x\ncontrol,1.5,1\ntreatment,2.5,\ncontrol,0.5,2\ntreatment,3.5,4\n")
    assert ab_data.read_small_csv(path, str(path), "variant", ["variant", "y", "x"], {"y": "x"}) is None
    with pytest.raises(InputError, match="covariate column 'x' has 1 null"):
        ab.analyze(path, variant_col="variant", metrics=["y"], covariates={"y": "x"})


def test_a_file_over_the_size_or_row_limit_goes_to_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path / "events.csv", [["control", "1", "2.5", "3", "1"], ["treatment", "0", "1.5", "4", "2"]] * 3
    )
    columns = ["variant", "converted"]
    assert ab_data.read_small_csv(path, str(path), "variant", columns, {}) is not None
    monkeypatch.setattr(ab_data, "INFER_ROWS", 5)
    assert ab_data.read_small_csv(path, str(path), "variant", columns, {}) is None


def test_summaries_match_their_definitions() -> None:
    from axtui.stats import ab_sample

    values = [0.1, 0.2, 0.2, 5.0, -1.0]
    s = ab_sample.sample(values)
    assert s.n == 5 and s.total == math.fsum(values) and s.median == 0.2 and (s.low, s.high) == (-1.0, 5.0)
    mean = math.fsum(values) / 5
    assert s.var == pytest.approx(sum((v - mean) ** 2 for v in values) / 4, rel=1e-15)
    r = ab_sample.ranks([1.0, 2.0, 2.0], [2.0, 3.0])  # combined ranks: 1, 3, 3, 3, 5
    assert (r.rank_sum, r.tie_counts) == (7.0, (3,))


def test_a_read_of_more_columns_serves_a_later_read_of_fewer(tmp_path: Path) -> None:
    """The early-stopping check reuses the analysis's read of the same file; a change reads it again."""
    path = _write(
        tmp_path / "events.csv", [["control", "1", "2.5", "3", "1"], ["treatment", "0", "1.5", "4", "2"]]
    )
    wide = ab_data.read_small_csv(path, str(path), "variant", ["variant", "converted", "revenue"], {})
    assert wide is not None
    assert ab_data.read_small_csv(path, str(path), "variant", ["variant", "converted"], {}) is wide
    other = ab_data.read_small_csv(path, str(path), "variant", ["variant", "latency_ms"], {})
    assert other is not None and other is not wide  # a column the cached read lacks: read again
    path.write_text(path.read_text() + "u9,control,1,2.5,3,1\n")
    again = ab_data.read_small_csv(path, str(path), "variant", ["variant", "latency_ms"], {})
    assert again is not None and again is not other and again.sizes["control"] == 2
