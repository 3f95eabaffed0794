"""Where axtui keeps things, and the settings every front end resolves the same way.

Precedence for each setting: command-line flag, then environment variable,
then the optional YAML config file (``$XDG_CONFIG_HOME/axtui/config.yaml``),
then the built-in default. API keys are never read from here: LiteLLM reads
them from the environment, and axtui never stores them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axtui.errors import InputError

DEFAULT_MODEL = "axtui/offline"
CONFIG_KEYS = {"db", "model", "api_base", "theme", "keymap"}


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "axtui"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "axtui"


def config_file() -> Path:
    return config_dir() / "config.yaml"


def default_db_path() -> Path:
    return data_dir() / "axtui.duckdb"


def builtin_dir(kind: str) -> Path:
    """Folder of built-in ``workflows`` or ``agents``.

    In a wheel they are packaged under ``axtui/_builtin``; in a source checkout
    (editable install, tests) they are the top-level folders of the repo.
    """
    packaged = Path(__file__).parent / "_builtin" / kind
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / kind


def search_dirs(kind: str, cwd: Path | None = None) -> list[Path]:
    """Built-in first, then the user's config folder, then ``./.axtui``: later ones override by id."""
    here = cwd or Path.cwd()
    return [builtin_dir(kind), config_dir() / kind, here / ".axtui" / kind]


def load_config_file(path: Path | None = None) -> dict[str, Any]:
    """Read the optional YAML config; unknown keys and bad YAML are errors that name the file."""
    path = path or config_file()
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(
            "the config file is not valid YAML", where=where, hint="fix the YAML or delete the file"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            "the config file must be a mapping of settings",
            where=str(path),
            hint=f"use keys from: {', '.join(sorted(CONFIG_KEYS))}",
        )
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise InputError(
            f"unknown setting {unknown[0]!r}",
            where=str(path),
            hint=f"known settings: {', '.join(sorted(CONFIG_KEYS))}",
        )
    return data


@dataclass
class Settings:
    """What a front end needs to know to open the store and reach a model."""

    db_path: Path = field(default_factory=default_db_path)
    model: str | None = None
    api_base: str | None = None
    json: bool = False
    debug: bool = False
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def default_model(self) -> str:
        """``--model``/``AXTUI_MODEL``, else the config file, else the offline provider."""
        return self.model or self.config.get("model") or DEFAULT_MODEL

    @classmethod
    def resolve(
        cls,
        *,
        db: str | Path | None = None,
        model: str | None = None,
        api_base: str | None = None,
        json: bool = False,
        debug: bool = False,
    ) -> Settings:
        """Apply flag > environment > config file > default for every setting."""
        cfg = load_config_file()
        db_value = db or os.environ.get("AXTUI_DB") or cfg.get("db")
        return cls(
            db_path=Path(db_value).expanduser() if db_value else default_db_path(),
            model=model or os.environ.get("AXTUI_MODEL") or None,
            api_base=api_base or os.environ.get("AXTUI_API_BASE") or cfg.get("api_base"),
            json=json,
            debug=debug,
            config=cfg,
        )
