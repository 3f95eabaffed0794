"""The root command: version, locate, config file, error policy and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axtui import __version__
from axtui.cli import main
from axtui.config import Settings, load_config_file


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"axtui {__version__}"


def test_version_from_the_installed_entry_point_in_another_directory(tmp_path: Path) -> None:
    """`pip install .` then `axtui --version` from any directory must work."""
    result = subprocess.run(
        [sys.executable, "-m", "axtui", "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"axtui {__version__}"


def test_locate_prints_xdg_locations(capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    code, out, _ = run(capsys, "locate", "config")
    assert code == 0
    assert out.strip() == str(isolated_home / "config" / "axtui" / "config.yaml")
    code, out, _ = run(capsys, "locate", "data")
    assert out.strip() == str(isolated_home / "data" / "axtui")


def test_locate_db_honours_flag_and_env(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AXTUI_DB", str(tmp_path / "env.duckdb"))
    assert run(capsys, "locate", "db")[1].strip() == str(tmp_path / "env.duckdb")
    assert run(capsys, "--db", str(tmp_path / "flag.duckdb"), "locate", "db")[1].strip() == str(
        tmp_path / "flag.duckdb"
    )


def test_json_output_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "locate", "db")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"what", "path", "default_db"}


def test_usage_error_exits_2_with_one_message_and_json_error_doc(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", "locate", "nowhere")
    assert code == 2
    assert json.loads(out)["message"] == "unknown place 'nowhere'"
    assert "hint: use one of: config, data, db" in err
    assert "Traceback" not in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no-such-command")
    assert code == 2
    assert "no-such-command" in err


def test_config_file_supplies_model_and_flags_win(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = isolated_home / "config" / "axtui" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("model: ollama/llama3.2\napi_base: http://127.0.0.1:11434\n")
    assert Settings.resolve().default_model == "ollama/llama3.2"
    assert Settings.resolve().api_base == "http://127.0.0.1:11434"
    monkeypatch.setenv("AXTUI_MODEL", "openai/gpt-4o-mini")
    assert Settings.resolve().default_model == "openai/gpt-4o-mini"
    assert Settings.resolve(model="anthropic/claude").default_model == "anthropic/claude"


def test_no_model_anywhere_means_the_offline_provider() -> None:
    assert Settings.resolve().default_model == "axtui/offline"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("colour: blue\n", "unknown setting 'colour'"),
    ],
)
def test_bad_config_file_names_the_file(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    cfg = isolated_home / "config" / "axtui" / "config.yaml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)
    with pytest.raises(Exception) as info:
        load_config_file()
    assert fragment in str(info.value)
    code, _, err = run(capsys, "locate", "db")
    assert code == 2
    assert str(cfg) in err and fragment in err


def test_debug_flag_is_parsed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--debug", "locate", "nowhere")
    assert code == 2
    assert "Traceback" in err


def test_subprocess_has_no_traceback_without_debug(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "axtui", "locate", "nowhere"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unknown place" in result.stderr
