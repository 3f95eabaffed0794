"""Data sources as users keep them: files, globs, hive-partitioned folders and object-store URLs.

The object-store tests talk to an S3-compatible server (moto) that the test
starts on 127.0.0.1 with authentication on; nothing reaches the internet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.cli import main
from axtui.errors import InputError
from axtui.stats.drift import compute_drift
from axtui.stats.io import read_table, scan_table, storage_options
from tests.s3_server import S3Server, running_s3


def frame(seed: int, n: int = 400, shift: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "x": rng.normal(shift, 1.0, n),
            "cat": rng.choice(["a", "b", "c"], n),
        }
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- local sources


def test_glob_reads_every_matching_file(tmp_path: Path) -> None:
    parts = [frame(i, 100) for i in range(3)]
    for i, part in enumerate(parts):
        part.write_parquet(tmp_path / f"day-{i}.parquet")
    (tmp_path / "notes.txt").write_text("not data")
    got = read_table(str(tmp_path / "day-*.parquet"))
    assert got.height == 300
    assert got.sort("x").equals(pl.concat(parts).sort("x"))


def test_recursive_csv_glob(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    frame(1, 50).write_csv(tmp_path / "a" / "p.csv")
    frame(2, 70).write_csv(tmp_path / "b" / "p.csv")
    assert read_table(str(tmp_path / "**" / "*.csv")).height == 120


def test_hive_partitioned_folder_adds_the_partition_columns(tmp_path: Path) -> None:
    for country in ("fr", "de"):
        for day in (1, 2):
            folder = tmp_path / f"country={country}" / f"day={day}"
            folder.mkdir(parents=True)
            frame(day, 25).write_parquet(folder / "part-0.parquet")
    got = read_table(tmp_path)
    assert got.height == 100
    assert {"x", "cat", "country", "day"} <= set(got.columns)
    assert sorted(got.get_column("country").unique().to_list()) == ["de", "fr"]


def test_folder_of_csv_files(tmp_path: Path) -> None:
    frame(1, 10).write_csv(tmp_path / "one.csv")
    frame(2, 15).write_csv(tmp_path / "two.csv")
    assert read_table(tmp_path).height == 25


def test_lazy_scan_reads_only_the_selected_columns(tmp_path: Path) -> None:
    frame(1, 10).write_parquet(tmp_path / "d.parquet")
    frame(1, 10).write_csv(tmp_path / "d.csv")
    for name in ("d.parquet", "d.csv"):
        assert "PROJECT 1/2 COLUMNS" in scan_table(tmp_path / name).select("x").explain()


def test_drift_over_globs_and_folders(tmp_path: Path) -> None:
    ref_dir, cur_dir = tmp_path / "ref", tmp_path / "cur"
    ref_dir.mkdir()
    cur_dir.mkdir()
    for i in range(2):
        frame(i, 300).write_parquet(ref_dir / f"p{i}.parquet")
        frame(10 + i, 300, shift=1.0).write_parquet(cur_dir / f"p{i}.parquet")
    by_folder = compute_drift(ref_dir, cur_dir)
    by_glob = compute_drift(str(ref_dir / "*.parquet"), str(cur_dir / "*.parquet"))
    whole = compute_drift(
        pl.concat([pl.read_parquet(ref_dir / f"p{i}.parquet") for i in range(2)]),
        pl.concat([pl.read_parquet(cur_dir / f"p{i}.parquet") for i in range(2)]),
    )
    assert by_folder["reference_rows"] == 600
    for result in (by_folder, by_glob):
        assert result["columns"] == whole["columns"]
    assert by_folder["alert_level"] == "RED"


def test_empty_glob_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as err:
        read_table(str(tmp_path / "nothing-*.parquet"))
    assert "matches no file" in err.value.message
    frame(1).write_parquet(tmp_path / "ok.parquet")
    code, _, stderr = run(capsys, "drift", str(tmp_path / "nothing-*.parquet"), str(tmp_path / "ok.parquet"))
    assert code == 2
    assert "matches no file" in stderr and "nothing-*.parquet" in stderr


def test_empty_folder_and_mixed_formats(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holds no data file"):
        read_table(empty)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    frame(1).write_parquet(mixed / "a.parquet")
    frame(2).write_csv(mixed / "b.csv")
    with pytest.raises(InputError, match="mixes formats"):
        read_table(mixed)


def test_partitions_with_mismatched_schemas_name_the_odd_part(tmp_path: Path) -> None:
    for day in (1, 2):
        (tmp_path / f"day={day}").mkdir()
    frame(1).write_parquet(tmp_path / "day=1" / "p.parquet")
    frame(2).with_columns(pl.col("x").cast(pl.String)).write_parquet(tmp_path / "day=2" / "p.parquet")
    with pytest.raises(InputError) as err:
        read_table(tmp_path)
    assert "different schemas" in err.value.message
    assert "'x'" in err.value.message
    assert "day=2" in (err.value.where or "")


def test_drift_over_partitions_with_mismatched_schemas_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lazy scan drift uses refuses the folder too (not only read_table), naming the odd part."""
    lake = tmp_path / "lake"
    for day in (1, 2):
        (lake / f"day={day}").mkdir(parents=True)
    frame(1).write_parquet(lake / "day=1" / "p.parquet")
    frame(2).with_columns(pl.col("x").cast(pl.String)).write_parquet(lake / "day=2" / "p.parquet")
    frame(3).write_parquet(tmp_path / "cur.parquet")
    with pytest.raises(InputError) as err:
        compute_drift(str(lake), str(tmp_path / "cur.parquet"))
    assert "different schemas" in err.value.message and "day=2" in (err.value.where or "")
    code, out, stderr = run(capsys, "drift", str(lake), str(tmp_path / "cur.parquet"))
    assert code == 2 and out == ""
    assert "different schemas" in stderr and "Traceback" not in stderr


def test_partition_missing_a_column(tmp_path: Path) -> None:
    frame(1).write_parquet(tmp_path / "a.parquet")
    frame(2).drop("cat").write_parquet(tmp_path / "b.parquet")
    with pytest.raises(InputError, match=r"column 'cat' of .* is missing"):
        read_table(str(tmp_path / "*.parquet"))


def test_local_paths_get_no_storage_options(tmp_path: Path) -> None:
    assert storage_options(str(tmp_path / "x.parquet")) is None


def test_storage_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AXTUI_CONNECT_TIMEOUT", "3")
    opts = storage_options("s3://bucket/key.parquet")
    assert opts is not None
    assert opts["aws_endpoint_url"] == "http://127.0.0.1:9000"
    assert opts["aws_region"] == "eu-west-3"
    assert opts["aws_allow_http"] == "true"  # a plain-http endpoint must be allowed explicitly
    assert opts["connect_timeout"] == "3s"
    monkeypatch.setenv("AXTUI_CONNECT_TIMEOUT", "soon")
    with pytest.raises(InputError, match="not a number of seconds"):
        storage_options("s3://bucket/key.parquet")


# ---------------------------------------------------------------- object store


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        client = server.client()
        client.create_bucket(Bucket="lake")
        for day in (1, 2):
            server.put_frame("lake", f"ref/day={day}/part-0.parquet", frame(day, 200))
            server.put_frame("lake", f"cur/day={day}/part-0.parquet", frame(10 + day, 200, shift=1.0))
        server.put_frame("lake", "flat/ref.csv", frame(1, 200))
        server.put_frame("lake", "flat/cur.parquet", frame(2, 200))
        yield server


@pytest.fixture
def s3_env(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    return s3


def test_s3_file_csv_and_parquet(s3_env: S3Server) -> None:
    assert read_table("s3://lake/flat/ref.csv").equals(frame(1, 200))
    assert read_table("s3://lake/flat/cur.parquet", columns=["x"]).equals(frame(2, 200).select("x"))


def test_s3_hive_folder_and_glob(s3_env: S3Server) -> None:
    folder = read_table("s3://lake/ref/")
    assert folder.height == 400 and "day" in folder.columns
    assert read_table("s3://lake/ref/**/*.parquet").height == 400


def test_drift_on_s3_equals_drift_on_local_copies(
    s3_env: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--json", "drift", "s3://lake/ref/**/*.parquet", "s3://lake/cur/**/*.parquet")
    assert code == 0
    remote = json.loads(out)
    local = compute_drift(
        pl.concat([frame(1, 200), frame(2, 200)]), pl.concat([frame(11, 200, 1.0), frame(12, 200, 1.0)])
    )
    assert remote["reference_rows"] == 400
    assert remote["columns"] == json.loads(json.dumps(local["columns"]))
    assert remote["alert_level"] == "RED"


def test_wrong_credentials_exit_2_with_a_clear_message(
    s3_env: S3Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    code, out, err = run(capsys, "drift", "s3://lake/flat/cur.parquet", "s3://lake/flat/cur.parquet")
    assert code == 2 and out == ""
    assert "refused the credentials" in err and "s3://lake/flat/cur.parquet" in err
    assert "Traceback" not in err


def test_unknown_access_key(s3_env: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOBODY")
    with pytest.raises(InputError, match="refused the credentials"):
        read_table("s3://lake/ref/")


def test_missing_bucket_and_empty_remote_glob(s3_env: S3Server) -> None:
    with pytest.raises(InputError, match="nothing found"):
        read_table("s3://no-such-bucket/x.parquet")
    with pytest.raises(InputError, match=r"nothing found|no data file"):
        read_table("s3://lake/nothing/*.parquet")


def test_unreachable_endpoint_fails_within_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with __import__("socket").socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AXTUI_CONNECT_TIMEOUT", "1")
    code, out, err = run(capsys, "drift", "s3://lake/ref/", "s3://lake/cur/")
    assert code == 2 and out == ""
    assert "cannot reach the object store" in err
    assert "AWS_ENDPOINT_URL" in err
