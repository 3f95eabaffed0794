"""The command palette's axtui commands, chosen by the screen it was opened from.

Home offers "workflow: start ..." and "session: resume ..."; a session screen
adds "export: ..." and its step actions; every screen offers the other screens
and the themes. Workflows and sessions come from caches the home worker fills,
so opening the palette never touches the database on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PaletteHost(Protocol):
    """What the palette needs of the app (declared here so the palette does not import the app module)."""

    workflows_cache: list[Any]
    sessions_cache: list[dict[str, Any]]
    available_themes: Any
    theme: str

    def start_workflow(self, workflow_id: str) -> Any: ...
    def resume_session(self, session_id: str) -> Any: ...
    def open_report(self, session_id: str) -> Any: ...
    def action_go_home(self) -> Any: ...
    def action_open_chat(self) -> Any: ...
    def action_open_memory(self) -> Any: ...
    def action_help(self) -> Any: ...


@dataclass(frozen=True)
class PaletteCommand:
    text: str
    callback: Callable[[], Any]
    help: str


def _screen_commands(app: PaletteHost, screen: Any) -> Iterator[PaletteCommand]:
    """Commands the current screen contributes (it may define ``palette_commands()``)."""
    contribute = getattr(screen, "palette_commands", None)
    if contribute is not None:
        for text, callback, help_text in contribute():
            yield PaletteCommand(text, callback, help_text)


def commands_for(app: PaletteHost, screen: Any) -> list[PaletteCommand]:
    """All commands for ``screen``, most specific first."""
    found: list[PaletteCommand] = list(_screen_commands(app, screen))
    for wf in app.workflows_cache:
        found.append(PaletteCommand(f"workflow: start {wf.id}", partial(app.start_workflow, wf.id), wf.name))
    for row in app.sessions_cache:
        if row.get("status") not in ("completed", "done"):
            found.append(
                PaletteCommand(
                    f"session: resume {row['id']} ({row['workflow_id']})",
                    partial(app.resume_session, row["id"]),
                    f"{row.get('steps_done', 0)}/{row.get('steps_total', 0)} steps done",
                )
            )
        found.append(
            PaletteCommand(
                f"session: report {row['id']} ({row['workflow_id']})",
                partial(app.open_report, row["id"]),
                "open the Markdown report",
            )
        )
    found += [
        PaletteCommand("screen: home", app.action_go_home, "back to the home screen"),
        PaletteCommand("screen: chat", app.action_open_chat, "chat with a persona"),
        PaletteCommand("screen: memory", app.action_open_memory, "browse and search memory"),
        PaletteCommand("screen: help", app.action_help, "help for this screen"),
    ]
    for name in sorted(app.available_themes):
        found.append(
            PaletteCommand(f"theme: {name}", partial(setattr, app, "theme", name), "switch the colour theme")
        )
    return found


class AxtuiCommands(Provider):
    """Context-aware axtui commands for Textual's command palette."""

    def _commands(self) -> list[PaletteCommand]:
        return commands_for(self.app, self.screen)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for command in self._commands():
            if not command.text.startswith("theme:"):
                yield DiscoveryHit(command.text, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.text)
            if score > 0:
                yield Hit(score, matcher.highlight(command.text), command.callback, help=command.help)
