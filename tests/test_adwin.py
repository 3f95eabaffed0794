"""ADWIN against river's own detections (tests/data/drift/adwin_river.json), plus input checks."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from axtui.errors import InputError
from axtui.stats.adwin import DEFAULTS, Adwin, run_adwin, run_adwin_file

DATA = Path(__file__).parent / "data" / "drift" / "adwin_river.json"
RIVER = json.loads(DATA.read_text())


def test_reference_numbers_come_from_river() -> None:
    assert RIVER["tool"].startswith("river ")
    assert DEFAULTS == {
        "delta": 0.002,
        "clock": 32,
        "max_buckets": 5,
        "min_window_length": 5,
        "grace_period": 10,
    }


@pytest.mark.parametrize("case", RIVER["cases"], ids=lambda c: f"{c['stream']}-{c['config']}")
def test_same_detections_as_river(case: dict) -> None:
    result = run_adwin(RIVER["streams"][case["stream"]], **case["params"])
    assert [d["index"] for d in result["detections"]] == [d["index"] for d in case["detections"]]
    for got, want in zip(result["detections"], case["detections"], strict=True):
        assert got["width"] == want["width"]
        assert got["estimation"] == pytest.approx(want["estimation"], rel=1e-12)
    assert result["rows"] == len(RIVER["streams"][case["stream"]])


def test_river_docstring_example() -> None:
    """river's ADWIN docstring: the change is detected at index 1023."""
    rng = random.Random(12345)
    stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    assert [d["index"] for d in run_adwin(stream)["detections"]] == [1023]


def test_no_detection_before_grace_period_and_reset_after_detection() -> None:
    detector = Adwin()
    assert not any(detector.update(v) for v in [0.0] * 10)
    stream = [0.0] * 200 + [1.0] * 200
    result = run_adwin(stream)
    assert result["detections"], "a jump from 0 to 1 must be detected"
    first = result["detections"][0]
    assert 200 <= first["index"] < 260
    assert result["params"] == DEFAULTS


def test_bad_parameters() -> None:
    with pytest.raises(InputError, match="delta must be between 0 and 1"):
        run_adwin([0, 1], delta=0)
    with pytest.raises(InputError, match="clock must be at least 1"):
        run_adwin([0, 1], clock=0)


def test_file_stream(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    path.write_text("err\n" + "\n".join(str(v) for v in RIVER["streams"]["errors_rate_change"]) + "\n")
    result = run_adwin_file(path, "err")
    assert result["column"] == "err"
    assert [d["index"] for d in result["detections"]] == [2079]


def test_file_stream_bad_data(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    path.write_text("err,name\n0,a\n1,b\n,c\n")
    with pytest.raises(InputError) as err:
        run_adwin_file(path, "err")
    assert "first at row 3" in err.value.message and err.value.where == f"{path}: column err"
    with pytest.raises(InputError) as err:
        run_adwin_file(path, "name")
    assert "not numeric" in err.value.message and err.value.where == f"{path}: column name"
    with pytest.raises(InputError) as err:
        run_adwin_file(path, "missing")
    assert err.value.message == "column 'missing' does not exist" and err.value.where == str(path)
