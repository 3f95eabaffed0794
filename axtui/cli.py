"""The ``axtui`` command: global options, command groups, and one error policy.

Every command module is imported here, but each keeps its heavy imports
(polars, scipy, litellm, Textual) inside the functions that need them, so
``axtui --version`` and ``axtui memory ...`` start fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from axtui import __version__
from axtui.config import Settings, config_file, data_dir, default_db_path
from axtui.errors import EXIT_USAGE, AxtuiError
from axtui.present import output

# Modules under axtui/commands/, each exposing ``register(app)``.
COMMAND_GROUPS = ("memory", "drift", "stats", "agents", "workflows", "experiments")

app = typer.Typer(
    name="axtui",
    help="A terminal assistant for ML practitioners: guided, resumable, computing MLOps workflows.",
    no_args_is_help=False,
    add_completion=True,  # --install-completion / --show-completion (Typer's, for bash, zsh, fish, pwsh)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"axtui {__version__}")
        raise typer.Exit(0)


def _from_env(flag: str, envvar: str, help_text: str) -> Any:
    """A root option that its environment variable may also give (``Settings.resolve`` reads the same
    variables for the fast paths in ``axtui/entry.py``)."""
    return typer.Option(None, flag, envvar=envvar, show_envvar=True, help=help_text)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Path | None = _from_env(
        "--db", "AXTUI_DB", "DuckDB file [default: $XDG_DATA_HOME/axtui/axtui.duckdb]"
    ),
    model: str | None = _from_env("--model", "AXTUI_MODEL", "LiteLLM model string [default: axtui/offline]"),
    api_base: str | None = _from_env(
        "--api-base", "AXTUI_API_BASE", "OpenAI-compatible endpoint for the model"
    ),
    batch: Path | None = typer.Option(None, "--batch", help="Replay a session file headlessly"),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="With --batch: exit 1 when a decision of the session is listed"
    ),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output on stdout"),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    """Without a command, open the interactive app on its home screen."""
    ctx.obj = Settings.resolve(db=db, model=model, api_base=api_base, json=json_out, debug=debug)
    if batch is not None:
        if ctx.invoked_subcommand is not None:
            raise AxtuiError(
                "--batch cannot be combined with a command", hint="run `axtui --batch FILE` on its own"
            )
        from axtui.batch import run_batch

        raise typer.Exit(run_batch(ctx.obj, batch, fail_on=fail_on))
    if fail_on is not None:
        raise AxtuiError(
            "--fail-on before the command applies to --batch only",
            hint="put --fail-on after the command, e.g. axtui ab analyze ... --fail-on ROLLBACK",
        )
    if ctx.invoked_subcommand is None:
        from axtui.tui.launch import launch_tui

        raise typer.Exit(launch_tui(ctx.obj))


@app.command("locate")
def locate(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="config | data | db"),
) -> None:
    """Print where axtui keeps its config or its data."""
    settings = output.settings(ctx)
    places = {
        "config": str(config_file()),
        "data": str(data_dir()),
        "db": str(settings.db_path),
    }
    if what not in places:
        raise AxtuiError(f"unknown place {what!r}", hint="use one of: config, data, db")
    output.emit(
        ctx,
        {"what": what, "path": places[what], "default_db": str(default_db_path())},
        lambda con: con.print(places[what], markup=False, highlight=False, soft_wrap=True),
    )


def _register() -> None:
    """Attach every command group. Kept in one place so the CLI reads as a table of contents."""
    import importlib

    for module_name in COMMAND_GROUPS:
        importlib.import_module(f"axtui.commands.{module_name}").register(app)


_register()


def _fail(exc: AxtuiError, settings: Settings | None) -> int:
    if settings is not None and settings.json:
        sys.stdout.write(output.to_json(exc.to_dict()) + "\n")
    output.stderr.print(
        f"[bold red]error:[/] {escape(exc.render())}", markup=True, highlight=False, soft_wrap=True
    )
    if settings is not None and settings.debug:
        traceback.print_exc()
    return exc.exit_code


GLOBAL_FLAGS_ANYWHERE = ("--json",)


def hoist_global_flags(args: list[str]) -> list[str]:
    """Move ``--json`` given after the command (``axtui ab size ... --json``) to the front, where the root
    callback reads it, so it works before or after the command for every command. Nothing after ``--``
    is touched."""
    end = args.index("--") if "--" in args else len(args)
    found = [a for a in args[:end] if a in GLOBAL_FLAGS_ANYWHERE]
    if not found:
        return args
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS_ANYWHERE]
    return [*dict.fromkeys(found), *rest, *args[end:]]


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and maps every failure to a message and an exit code.

    Typer's standalone mode already turns usage errors into exit code 2; what
    escapes it is ours (``AxtuiError``) or a bug.
    """
    args = hoist_global_flags(sys.argv[1:] if argv is None else list(argv))
    debug = "--debug" in args
    json_mode = "--json" in args
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="axtui", standalone_mode=True)
        return 0
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except AxtuiError as exc:
        return _fail(exc, Settings(json=json_mode, debug=debug))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so plainly, show the trace only on request
        return internal_error(exc, debug)


def internal_error(exc: Exception, debug: bool) -> int:
    """A bug escaped: say so plainly, show the trace only on request; exit code 70."""
    if debug:
        traceback.print_exc()
    else:
        output.stderr.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc}\n"
            "  hint: rerun with --debug for the traceback, and please report it",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
    return 70


def entry() -> None:
    code = main()
    if "litellm" in sys.modules:
        # litellm leaves background threads and atexit hooks that hold the interpreter
        # for seconds after the work is done; everything of ours is closed and flushed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("AXTUI_PROG", "axtui")
    entry()
