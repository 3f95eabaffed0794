"""Typed access to the app's services (store, engine, settings, workers) from any screen or widget.

``self.app`` is typed as a plain ``textual.app.App``; screens used to reach ``store()``,
``engine()`` and ``run_guarded()`` through ``# type: ignore[attr-defined]``. ``app_of(self)``
returns the same object typed as ``AxtuiApp``, so a renamed or removed service is a type error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from axtui.tui.app import AxtuiApp


def app_of(node: DOMNode) -> AxtuiApp:
    """The running ``AxtuiApp`` that ``node`` belongs to."""
    return cast("AxtuiApp", node.app)
