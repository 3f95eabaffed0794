"""Copy text to the terminal clipboard with a toast that says what happened.

The app shell's ``copy_text`` (OSC 52 plus a toast that says how to check) is used when
present; this wrapper adds the "nothing to copy" case so widgets never copy an empty string
silently, and works in a bare ``App`` too.
"""

from __future__ import annotations

from textual.app import App


def copy_text(app: App, text: str, *, what: str = "text") -> bool:
    """Copy ``text``; return False (with a warning toast) when there is nothing to copy."""
    if not text:
        app.notify(f"Nothing to copy ({what} is empty)", severity="warning")
        return False
    shell_copy = getattr(app, "copy_text", None)
    if callable(shell_copy):
        shell_copy(text, what)
        return True
    try:
        app.copy_to_clipboard(text)
    except Exception as exc:
        app.notify(f"could not copy {what}: {exc}; select it with the mouse instead", severity="warning")
        return False
    app.notify(f"copied {what} to the clipboard (OSC 52)", timeout=4)
    return True
