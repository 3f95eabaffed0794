"""``python -m axtui`` is the same as ``axtui``."""

from axtui.cli import entry

entry()
