"""A damaged database or file system: one message naming the file and a fix, exit 2, data kept.

Each case runs the real command line (``axtui.cli.main``) against a file broken the way
people's files break: truncated, bits flipped, someone else's DuckDB file, a newer schema,
a full disk (a 3 MB tmpfs, when this process may mount one), and ``export -o`` to places
it must refuse.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from axtui.cli import main
from axtui.core.memory import Memory
from axtui.core.store import SCHEMA_VERSION, Store


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A database with enough rows that its data blocks lie well past the header."""
    path = tmp_path / "filled.duckdb"
    with Store(path) as store:
        Memory(store).store_many(
            (("ml-experiments", f"exp-{i}", {"i": i, "note": "x" * 200}) for i in range(20_000)), ttl=None
        )
    return path


def assert_one_clear_error(code: int, err: str, path: Path, words: str) -> None:
    assert code == 2, err
    assert str(path) in err and words in err
    assert "Traceback" not in err and "internal error" not in err and err.count("error:") == 1
    assert "hint:" in err


def test_a_truncated_file(capsys: pytest.CaptureFixture[str], filled: Path) -> None:
    os.truncate(filled, filled.stat().st_size // 10)
    before = digest(filled)
    code, _out, err = run_cli(capsys, "--db", str(filled), "memory", "list", "--limit", "50000")
    assert_one_clear_error(code, err, filled, "damaged")
    assert digest(filled) == before


def test_flipped_bits(capsys: pytest.CaptureFixture[str], filled: Path) -> None:
    data = bytearray(filled.read_bytes())
    for offset in range(5000, len(data), 7919):
        data[offset] ^= 0xFF
    filled.write_bytes(bytes(data))
    code, _out, err = run_cli(capsys, "--db", str(filled), "memory", "list", "--limit", "50000")
    assert_one_clear_error(code, err, filled, "damaged")
    assert filled.read_bytes() == bytes(data)


def test_a_duckdb_file_of_another_program(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.close()
    before = digest(path)
    code, _out, err = run_cli(capsys, "--db", str(path), "memory", "store", "-n", "ns", "-k", "k", "-v", "1")
    assert_one_clear_error(code, err, path, "another program")
    assert digest(path) == before
    con = duckdb.connect(str(path), read_only=True)
    assert {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == {"invoices"}
    con.close()


def test_a_file_that_is_not_duckdb(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes\n" * 1000)
    code, _out, err = run_cli(capsys, "--db", str(path), "sessions", "--all")
    assert_one_clear_error(code, err, path, "not a DuckDB database")
    assert path.read_text() == "my notes\n" * 1000


def test_a_newer_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    with Store(path) as store:
        Memory(store).store("ns", "k", {"kept": True})
        store.query("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    before = digest(path)
    code, _out, err = run_cli(capsys, "--db", str(path), "memory", "retrieve", "-n", "ns", "-k", "k")
    assert_one_clear_error(code, err, path, "newer axtui")
    assert digest(path) == before


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_keeps_what_was_stored(capsys: pytest.CaptureFixture[str], tiny_disk: Path) -> None:
    db = tiny_disk / "axtui.duckdb"
    code, _out, err = run_cli(capsys, "--db", str(db), "memory", "store", "-n", "ns", "-k", "keep", "-v", "1")
    assert code == 0, err
    big = tiny_disk.parent / "big.json"
    big.write_text(json.dumps({"x": "a" * 1_500_000}))
    code, _out, err = run_cli(
        capsys, "--db", str(db), "memory", "store", "-n", "ns", "-k", "big", "-v", f"@{big}"
    )
    assert_one_clear_error(code, err, db, "disk is full")
    code, out, err = run_cli(capsys, "--db", str(db), "--json", "memory", "list")
    assert code == 0, err
    assert [e["key"] for e in json.loads(out)["entries"]] == ["keep"]


def test_a_full_disk_while_exporting(
    capsys: pytest.CaptureFixture[str], tiny_disk: Path, tmp_path: Path
) -> None:
    db = tmp_path / "axtui.duckdb"
    with Store(db) as store:
        Memory(store).store_many((("ns", f"k{i}", {"x": "y" * 1000}) for i in range(5000)), ttl=None)
    out_file = tiny_disk / "all.json"
    code, _out, err = run_cli(capsys, "--db", str(db), "memory", "export", "-o", str(out_file))
    assert_one_clear_error(code, err, out_file, "disk is full")
    assert not out_file.exists() and list(tiny_disk.iterdir()) == []


@pytest.mark.parametrize("command", [["memory", "export"], ["export", "SESSION"]])
def test_export_to_a_folder_a_missing_folder_or_an_existing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "axtui.duckdb"
    code, out, err = run_cli(
        capsys,
        "--db",
        str(db),
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        "@examples/inputs/ml-ab-testing.json",
    )
    assert code == 0, err
    session = json.loads(out)["session_id"]
    argv = [session if a == "SESSION" else a for a in command]
    folder = tmp_path / "reports"
    folder.mkdir()
    code, _out, err = run_cli(capsys, "--db", str(db), *argv, "-o", str(folder))
    assert_one_clear_error(code, err, folder, "is a folder")
    missing = tmp_path / "nowhere" / "out.json"
    code, _out, err = run_cli(capsys, "--db", str(db), *argv, "-o", str(missing))
    assert_one_clear_error(code, err, missing, "does not exist")
    existing = tmp_path / "keep.json"
    existing.write_text("precious\n")
    code, _out, err = run_cli(capsys, "--db", str(db), *argv, "-o", str(existing))
    assert_one_clear_error(code, err, existing, "already exists")
    assert "--force" in err and existing.read_text() == "precious\n"
    code, _out, err = run_cli(capsys, "--db", str(db), *argv, "-o", str(existing), "--force")
    assert code == 0, err
    assert existing.read_text() != "precious\n"
