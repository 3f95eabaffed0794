"""Strict JSON text for ``--json`` output, without the CLI's imports (Typer, rich).

Lives apart from ``axtui.present.output`` so that ``axtui --batch`` can print
its summary without loading the command-line toolkit (bench/batch.md).
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any


def _clean(value: Any) -> Any:
    """Make a value strict-JSON: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item) and type(value).__module__ == "numpy":
        return _clean(item())
    tolist = getattr(value, "tolist", None)  # numpy array
    if callable(tolist) and type(value).__module__ == "numpy":
        return _clean(tolist())
    return value


def to_json(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(_clean(data), indent=indent, ensure_ascii=False, allow_nan=False)
