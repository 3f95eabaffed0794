"""The ``axtui`` console script.

Two invocations skip Typer and the command groups, whose imports (Typer's
pydantic adapters, rich, every command module) would otherwise be a large share
of the run (bench/startup.md, bench/batch.md):

* no arguments opens the interactive app directly;
* ``axtui [--db F] [--model M] [--api-base U] [--json] [--debug] --batch FILE``
  replays a session file headlessly.

Both resolve settings exactly as the CLI's root callback does
(``Settings.resolve``: flag, environment, config file, default) and report
failures with the CLI's one error format. Any other argument list (a command,
``--help``, an unknown or repeated option) hands over to the full CLI in
``axtui.cli``, which also gives the usage errors.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Options of the root callback the batch fast path understands: name -> takes a value.
_BATCH_OPTIONS = {
    "--db": True,
    "--model": True,
    "--api-base": True,
    "--batch": True,
    "--json": False,
    "--debug": False,
    "--fail-on": True,
}

COMPLETE_VAR = "_AXTUI_COMPLETE"  # set by the shell completion script: the CLI answers, never the TUI


def main() -> None:
    args = sys.argv[1:]
    if os.environ.get(COMPLETE_VAR):  # shell completion: the CLI answers, never the TUI
        from axtui.cli import entry

        entry()
        return
    if not args:
        sys.exit(_open_home())
    batch = parse_batch_args(args)
    if batch is not None:
        _exit(_run_batch(batch))
    from axtui.cli import entry

    entry()


def parse_batch_args(args: list[str]) -> dict[str, Any] | None:
    """The root options of a ``--batch`` invocation, or None when the full CLI must parse ``args``.

    Accepts ``--opt value`` and ``--opt=value``; anything else (a command, a
    short option, an option given twice, a missing value) returns None so that
    the CLI gives its usual answer.
    """
    found: dict[str, Any] = {}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        takes_value = _BATCH_OPTIONS.get(name)
        if takes_value is None or name in found:
            return None
        if not takes_value:
            if eq:
                return None
            found[name] = True
        elif eq:
            found[name] = value
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            found[name] = args[i + 1]
            i += 1
        else:
            return None
        i += 1
    if not found.get("--batch"):
        return None
    return found


def _run_batch(opts: dict[str, Any]) -> int:
    """``run_batch`` with the CLI's error policy (message and exit code, traceback only with --debug)."""
    from axtui.config import Settings
    from axtui.errors import AxtuiError

    json_out, debug = bool(opts.get("--json")), bool(opts.get("--debug"))
    settings = Settings(json=json_out, debug=debug)
    try:
        settings = Settings.resolve(
            db=opts.get("--db") or None,
            model=opts.get("--model") or None,
            api_base=opts.get("--api-base") or None,
            json=json_out,
            debug=debug,
        )
        from axtui.batch import run_batch

        return run_batch(settings, opts["--batch"], fail_on=opts.get("--fail-on") or None)
    except AxtuiError as exc:
        from axtui.cli import _fail

        return _fail(exc, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: the CLI's message for it
        from axtui.cli import internal_error

        return internal_error(exc, debug)


def _exit(code: int) -> None:
    if "litellm" in sys.modules:
        # As in axtui.cli.entry: litellm's background threads would hold the interpreter.
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _open_home() -> int:
    from axtui.config import Settings
    from axtui.errors import AxtuiError

    try:
        settings = Settings.resolve()
        from axtui.tui.launch import launch_tui

        return launch_tui(settings)
    except AxtuiError as exc:  # e.g. a broken config file: the CLI's one error format
        from axtui.cli import _fail

        return _fail(exc, None)
    except KeyboardInterrupt:
        return 130
