"""Binding ids, their default keys and tooltips, and the user's keymap from the config file.

Every binding that a user might want to move has a stable id here. The config
file can remap them::

    keymap:
      session.accept: ctrl+y
      app.help: f1,question_mark

Textual applies the mapping with ``App.set_keymap``; an unknown id or a value
that is not a key string is reported (as a toast) instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.binding import Binding


@dataclass(frozen=True)
class KeySpec:
    id: str
    key: str
    action: str
    description: str
    tooltip: str
    show: bool = True
    priority: bool = False


_SPECS = [
    KeySpec("app.help", "f1", "help", "Help", "Help for the screen you are on"),
    KeySpec(
        "app.quit", "ctrl+q", "quit", "Quit", "Quit axtui (sessions are saved step by step)", priority=True
    ),
    KeySpec("app.home", "f4", "go_home", "Home", "Back to the home screen", show=False),
    KeySpec("app.chat", "f2", "open_chat", "Chat", "Chat with a persona", show=False),
    KeySpec("app.memory", "f3", "open_memory", "Memory", "Browse and search memory", show=False),
    KeySpec("home.start", "enter", "start_selected", "Start", "Start the highlighted workflow"),
    KeySpec("home.resume", "r", "resume_selected", "Resume", "Resume the highlighted session"),
    KeySpec("home.memory", "m", "open_memory", "Memory", "Browse and search memory"),
    KeySpec("home.chat", "c", "open_chat", "Chat", "Chat with a persona"),
    KeySpec("home.refresh", "f5", "refresh", "Refresh", "Reload sessions and memory counts", show=False),
    KeySpec(
        "session.accept", "ctrl+n", "accept", "Accept", "Accept the persona's answer and go to the next step"
    ),
    KeySpec("session.redo", "ctrl+r", "redo", "Redo", "Reset the reviewed step and the steps after it"),
    KeySpec("session.report", "ctrl+o", "report", "Report", "Open this session's Markdown report"),
    KeySpec("session.current", "ctrl+g", "goto_current", "Current", "Jump to the current step"),
    KeySpec("session.back", "escape", "back", "Back", "Back to the home screen"),
    KeySpec(
        "session.checklist",
        "ctrl+l",
        "focus_checklist",
        "Steps",
        "Move to the checklist of steps (arrows, home/end, enter opens a step)",
    ),
    KeySpec("form.submit", "ctrl+s", "submit", "Continue", "Validate and save this step"),
    # chat, memory, report, help and confirm screens (TUI-B)
    KeySpec("chat.send", "ctrl+j", "submit", "Send", "Send the message (alt+enter too)"),
    KeySpec("chat.send_alt", "alt+enter", "submit", "Send", "Send the message", show=False),
    KeySpec(
        "chat.stop",
        "ctrl+c",
        "stop",
        "Stop",
        "Stop the answer being generated (the partial text is kept, marked incomplete); "
        "when nothing is being generated the key copies as usual",
        priority=True,  # ahead of the prompt box's copy, but only while an answer streams
    ),
    KeySpec(
        "chat.copy_last",
        "f8",
        "copy_last",
        "Copy answer",
        "Copy the last answer (focus a message and press c / k for others)",
        show=False,
    ),
    KeySpec(
        "chat.copy_message", "c", "copy_message", "Copy message", "Copy this message as Markdown (OSC 52)"
    ),
    KeySpec(
        "chat.copy_code",
        "k",
        "copy_code",
        "Copy code",
        "Copy the next code block of this message (press again for the one after)",
    ),
    KeySpec("chat.new", "ctrl+n", "new_chat", "New chat", "Start a new conversation"),
    KeySpec("chat.history", "ctrl+o", "history", "History", "Show previous conversations; enter reopens one"),
    KeySpec(
        "chat.persona",
        "ctrl+t",
        "pick_persona",
        "Persona",
        "Pick the persona (Auto = the router chooses for each message)",
    ),
    KeySpec(
        "chat.export", "ctrl+s", "export", "Export", "Export this conversation to Markdown in the data folder"
    ),
    KeySpec("chat.back", "escape", "back", "Back", "Back to the previous screen"),
    KeySpec(
        "memory.search",
        "slash",
        "focus_search",
        "Search",
        "Search memory with the query language (enter runs it)",
    ),
    KeySpec("memory.delete", "delete,d", "delete", "Delete", "Delete the selected entry (asks first)"),
    KeySpec(
        "memory.history", "h", "toggle_history", "History", "Switch between the value and its version history"
    ),
    KeySpec("memory.refresh", "f5", "refresh", "Refresh", "Reload namespaces and keys"),
    KeySpec("memory.back", "escape", "back", "Back", "Clear the search, or go back to the previous screen"),
    KeySpec("json.copy", "c", "copy", "Copy JSON", "Copy the value as JSON (OSC 52)"),
    KeySpec(
        "report.export",
        "ctrl+s",
        "export",
        "Export",
        "Write the report as Markdown to the data folder (the path is shown)",
    ),
    KeySpec("report.copy", "c", "copy", "Copy", "Copy the report's Markdown (OSC 52)"),
    KeySpec("report.toc", "t", "toggle_toc", "Contents", "Show or hide the table of contents"),
    KeySpec("report.back", "escape", "back", "Back", "Back to the previous screen"),
    KeySpec("help.close", "escape,f1,q", "close", "Close", "Close the help"),
    KeySpec("confirm.yes", "y", "confirm", "Yes", "Confirm the action"),
    KeySpec("confirm.no", "n,escape", "cancel", "No", "Cancel; nothing changes"),
]

SPECS: dict[str, KeySpec] = {spec.id: spec for spec in _SPECS}


def binding(binding_id: str, *, key: str | None = None) -> Binding:
    """A ``Binding`` for a known id, with its tooltip; ``key`` overrides the default key."""
    spec = SPECS[binding_id]
    return Binding(
        key or spec.key,
        spec.action,
        spec.description,
        show=spec.show,
        priority=spec.priority,
        tooltip=spec.tooltip,
        id=spec.id,
    )


def bindings(*binding_ids: str) -> list[Binding]:
    return [binding(binding_id) for binding_id in binding_ids]


def key(binding_id: str, user_keys: dict[str, str] | None = None) -> str:
    """The key a binding answers to now (the user's keymap first), as hints and labels print it.

    Hints such as "ctrl+s continues" read their key from here, so a remapped key is the one shown.
    """
    keys = (user_keys or {}).get(binding_id) or SPECS[binding_id].key
    first = keys.split(",")[0].strip()
    return {"escape": "esc", "slash": "/", "question_mark": "?"}.get(first, first)


def key_label(binding_id: str, app: Any = None) -> str:
    """:func:`key` with the keymap of a running app (``App.set_keymap`` keeps it)."""
    return key(binding_id, getattr(app, "_keymap", None) if app is not None else None)


def user_keymap(config: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The config file's ``keymap`` as Textual expects it, plus problems worth telling the user."""
    raw = config.get("keymap") or {}
    if not isinstance(raw, dict):
        return {}, ["config `keymap` must be a mapping of binding id to keys"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in raw.items():
        if binding_id not in SPECS:
            problems.append(f"keymap: unknown binding id {binding_id!r} (known: {', '.join(sorted(SPECS))})")
            continue
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f"keymap: {binding_id} needs a key such as 'ctrl+a'")
            continue
        keymap[binding_id] = keys.replace(" ", "")
    return keymap, problems
