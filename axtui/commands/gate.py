"""The CLI end of ``--fail-on``: after the report, exit 1 when a listed verdict was reached.

``axtui.fail_on`` is pure (no printing, no typer) for the headless runner and ``--batch``;
this is the one place the commands turn its hits into the message and the exit code.
"""

from __future__ import annotations

from collections.abc import Iterable

import typer

from axtui.present import output


def exit_if_listed(verdicts: Iterable[object], listed: frozenset[str]) -> None:
    """Note the verdicts that ``--fail-on`` lists and exit 1; return when none is listed."""
    from axtui import fail_on

    hits = fail_on.matches(verdicts, listed)
    if hits:
        output.note(fail_on.message(hits))
        raise typer.Exit(1)
