"""F1 help: the keys of the screen you came from first, then the keys that work everywhere, then tips.

Bindings are read from the live screen underneath (its widgets included, with the user's
keymap applied), so the help never disagrees with the footer. When there is no screen
underneath (a test pushing the help directly) the screen classes' ``BINDINGS`` are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from axtui.tui import keymap

TITLES = {
    "home": "Home",
    "session": "Session",
    "chat": "Chat",
    "memory": "Memory browser",
    "report": "Report viewer",
    "error": "Error details",
}

QUERY_CHEATSHEET = """\
| query | finds |
| --- | --- |
| `churn` | entries whose key or value text contains the word |
| `"feature store"` | an exact phrase |
| `model:churn` | top-level value field `model` equal to `churn` |
| `key:exp-2026*` | keys starting with `exp-2026` |
| `auc:[0.8 TO 0.95]` | numbers in a range (inclusive) |
| `created:[2026-01-01 TO 2026-03-31]` | ISO timestamps in a range |
| `model:churn AND NOT status:archived` | combine with `AND`, `OR`, `NOT` |
| `(a OR b) AND c` | group with parentheses |

A malformed query is shown under the box with a caret at the problem; nothing else changes."""

TIPS: dict[str, str] = {
    "chat": """\
* **Send** with `ctrl+j` (works in every terminal) or `alt+enter` (where the terminal reports it, e.g.
  kitty, WezTerm, foot, Ghostty); **Enter** inserts a new line (ctrl+enter does not reach most terminals).
* **Persona** (`ctrl+t`): pick one, or leave **Auto** and the router picks a persona for each message;
  its choice and score are shown in the top bar.
* **Stop** a long answer with `esc`: the partial text is kept and marked *incomplete*.
* **Copy**: `f8` copies the last answer; `shift+tab` to a message, then `c` copies it and `k` copies its
  code blocks one by one (OSC 52: enable it in your terminal, in tmux `set -g set-clipboard on`).
* **Export** (`ctrl+s`) writes the conversation as Markdown to the data folder; the toast shows the path.
* **History** (`ctrl+o`) lists previous conversations; Enter reopens one and you can continue it.
* An error from the model shows a toast; the input stays usable, so just send again.
* `(offline)` after the model name means the built-in offline provider: deterministic, no network.""",
    "memory": f"""\
* Type in the search box (`/`) and press **Enter**; an empty query lists the selected namespace again.
* `↑`/`↓` move between keys; the value, its expiry and its version history (`h`) follow the cursor.
* `d` or `delete` deletes the selected entry after a confirmation.
* `esc` clears the search first, then goes back.

{QUERY_CHEATSHEET}""",
    "report": """\
* `ctrl+s` writes the report (Markdown) to the data folder and shows the path; `c` copies it.
* `t` shows or hides the table of contents; click a heading there to jump to it.
* The report is rebuilt from the session record, so it always matches the steps' results.""",
    "home": """\
* Start a workflow in two keystrokes: its number (`1`–`9`), then `enter`.
* `r` resumes the highlighted incomplete session exactly where it stopped.
* `ctrl+p` opens the command palette: start a workflow, resume a session, export a report.""",
    "session": """\
* The checklist on the left shows ✓ done, ▶ current, ✗ failed and pending steps; select a done step to
  review it, and redo it if needed.
* In a prompt step, send with `ctrl+j` or `alt+enter`; accept the answer to continue.
* Everything is saved step by step: quit any time and resume later from the home screen.""",
}

GLOBAL_TIPS = """\
* `ctrl+p` opens the command palette; `f1` opens this help anywhere; `ctrl+q` quits.
* Keys can be remapped in the config file (`keymap:` with the binding ids below).
* The mouse works everywhere: click lists, tabs, buttons and messages."""


KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "esc"}


def _rows(bindings: Iterable[Binding], seen: set[tuple[str, str]]) -> list[str]:
    rows = []
    for binding in bindings:
        if binding.system or not (binding.description or binding.tooltip):
            continue
        mark = (binding.key, binding.action)
        if mark in seen:
            continue
        seen.add(mark)
        keys = " / ".join(f"`{KEY_NAMES.get(k.strip(), k.strip())}`" for k in binding.key.split(","))
        what = binding.tooltip or binding.description
        ident = f" `{binding.id}`" if binding.id else ""
        row = f"| {keys} | {binding.description or binding.action} | {what}{ident} |"
        rows.append(row.replace("\n", " "))
    return rows


def _table(rows: list[str]) -> str:
    if not rows:
        return "*(no keys of its own)*"
    return "\n".join(["| key | action | what it does · binding id |", "| --- | --- | --- |", *rows])


def _declared(node: DOMNode) -> list[Binding]:
    """The bindings axtui classes declare for this node (Textual's built-in ones are left out)."""
    out: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("axtui.") and "BINDINGS" in cls.__dict__:
            out += [b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)]
    return out


def _node_bindings(node: DOMNode) -> list[Binding]:
    """Declared bindings with the keys actually in force (Textual applies the user's keymap
    only when it builds a screen's binding chain, so it is applied here the same way)."""
    return _with_keymap(_declared(node), getattr(node.app, "_keymap", None) or {})


def _with_keymap(bindings: list[Binding], mapping: dict[str, str]) -> list[Binding]:
    return [b.with_key(mapping[b.id]) if b.id in mapping else b for b in bindings]


def _own_widgets(screen: DOMNode) -> list[DOMNode]:
    """The screen and its widgets that declare axtui bindings, screen first."""
    nodes: list[DOMNode] = [screen]
    nodes += [node for node in screen.walk_children() if _declared(node)]
    return nodes


def _static_screen_bindings(context: str) -> list[Binding]:
    """Bindings of a context's screen class and its widgets, for when no live screen is below."""
    classes: list[Any] = []
    if context == "chat":
        from axtui.tui.screens.chat import ChatScreen
        from axtui.tui.widgets.chat_view import ChatMessage, ChatView, PromptArea

        classes = [ChatScreen, PromptArea, ChatView, ChatMessage]
    elif context == "memory":
        from axtui.tui.screens.memory import MemoryScreen
        from axtui.tui.widgets.json_view import JsonView

        classes = [MemoryScreen, JsonView]
    elif context == "report":
        from axtui.tui.screens.report import ReportScreen

        classes = [ReportScreen]
    out: list[Binding] = []
    for cls in classes:
        out += [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]
    return out


def help_markdown(context: str, screen_bindings: list[Binding], global_bindings: list[Binding]) -> str:
    """The help page as Markdown: this screen's keys, global keys, tips."""
    title = TITLES.get(context, context)
    seen: set[tuple[str, str]] = set()
    parts = [f"## Keys on this screen: {title}", "", _table(_rows(screen_bindings, seen)), ""]
    if context in TIPS:
        parts += [f"## Tips: {title}", "", TIPS[context], ""]
    parts += ["## Keys everywhere", "", _table(_rows(global_bindings, seen)), ""]
    parts += ["## General", "", GLOBAL_TIPS]
    return "\n".join(parts)


class HelpScreen(ModalScreen[None]):
    """Contextual help over the current screen; ``esc``/``f1``/``q`` close it."""

    HELP_CONTEXT = "help"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("help.close")

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context.lower().removesuffix("screen") if context.endswith("Screen") else context

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(
                f"Help · {TITLES.get(self.context, self.context)}  [dim](esc to close)[/]", id="help-title"
            )
            with VerticalScroll(id="help-scroll"):
                yield Markdown("", id="help-body")

    async def on_mount(self) -> None:
        screen_bindings, global_bindings = self._collect()
        body = self.query_one("#help-body", Markdown)
        await body.update(help_markdown(self.context, screen_bindings, global_bindings))
        self.query_one("#help-scroll", VerticalScroll).focus()

    def _collect(self) -> tuple[list[Binding], list[Binding]]:
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) >= 2 and stack[-1] is self else None
        screen_bindings: list[Binding] = []
        if below is not None and getattr(below, "HELP_CONTEXT", None) == self.context:
            for node in _own_widgets(below):
                screen_bindings += _node_bindings(node)
        if not screen_bindings:
            screen_bindings = _with_keymap(
                _static_screen_bindings(self.context), getattr(self.app, "_keymap", None) or {}
            )
        global_bindings = _node_bindings(self.app)
        if not any(b.action.endswith("command_palette") for b in global_bindings):
            global_bindings.append(
                Binding("ctrl+p", "command_palette", "Commands", tooltip="Open the command palette")
            )
        return screen_bindings, global_bindings

    def action_close(self) -> None:
        self.dismiss()
