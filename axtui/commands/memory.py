"""``axtui memory ...``: the memory namespaces from the command line (docs/reference/cli.md and storage.md).

Human output is rich tables with truncated value previews; ``--json`` (a global
flag, before the command) prints one JSON document. The core modules (and with
them DuckDB) are imported inside the commands, so ``axtui --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from axtui.core.memory_index import loads_json
from axtui.errors import InputError
from axtui.present import output

if TYPE_CHECKING:
    from rich.console import Console

    from axtui.core.memory import Memory


memory_app = typer.Typer(
    name="memory",
    help="Store, search and manage memory namespaces (TTL, merge, history, export/import).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@contextmanager
def open_memory(ctx: typer.Context) -> Iterator[Memory]:
    """The Memory of the database chosen by --db / AXTUI_DB, closed when the command ends."""
    from axtui.core.memory import Memory
    from axtui.core.store import Store

    store = Store(output.settings(ctx).db_path)
    try:
        yield Memory(store)
    finally:
        store.close()


def parse_value(text: str) -> Any:
    """``--value``: JSON text, or ``@file.json`` to read it from a file."""
    where = "--value"
    if text.startswith("@"):
        path = Path(text[1:])
        where = f"--value {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(
                "the value file does not exist",
                where=str(path),
                hint="give --value '{...}' or --value @existing-file.json",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read the value file ({exc})", where=str(path), hint="give a UTF-8 JSON file"
            ) from exc
    try:
        return loads_json(text, where=where)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            where=where,
            hint="""quote strings inside JSON, e.g. --value '"churn"' or '{"model": "churn"}'""",
        ) from exc


def parse_ttl(text: str | None) -> float | str | None:
    """``--ttl``: seconds; absent means the namespace default."""
    if text is None:
        return "default"
    try:
        seconds = float(text)
    except ValueError:
        raise InputError(
            f"--ttl must be a number of seconds, not {text!r}",
            where="--ttl",
            hint="e.g. --ttl 86400 for one day; omit it for the namespace default",
        ) from None
    return seconds


def full_output() -> bool:
    """Whether tables print every cell in full (stdout is not a terminal: ``present.tables``)."""
    from axtui.present import tables

    return tables.full_output()


def _preview(value: Any, width: int) -> str:
    """The value as one line of JSON, cut at ``width`` (0: never cut)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if not width or len(text) <= width else text[: width - 1] + "…"


def _when(text: str | None) -> str:
    """A timestamp to the minute, for tables (JSON keeps the exact value)."""
    return "never" if text is None else text.replace("T", " ").rstrip("Z")[:16]


def _expiry(console: Console) -> Callable[[str | None], str]:
    """Expiry to the minute on a wide terminal or in a pipe, else the date alone (room for the value)."""
    if console.width >= 120 or full_output():
        return _when
    return lambda text: _when(text)[:10]


def _show(console: Console, title: str, columns: list[str], rows: list[list[str]]) -> None:
    """Print through the shared table layer (``present.tables.show``): keys are never cut, the
    value preview (a ``clip`` column) takes what the other columns leave and ends in "…", and
    in a pipe every cell prints in full."""
    from axtui.present import tables

    tables.show(console, columns, rows, title=title, style="simple")


def _entries_table(console: Console, rows: list[dict[str, Any]], title: str, *, score: bool = False) -> None:
    """Entries as a table; the namespace column only when they span several namespaces."""
    several = len({row["namespace"] for row in rows}) > 1
    columns = (
        (["namespace:key"] if several else [])
        + ["key:key", "value:clip", "ver:num", "expires:key"]
        + (["score:num"] if score else [])
    )
    full = full_output()  # a pipe: the whole value, the whole timestamp
    when = _expiry(console)
    cells = []
    for row in rows:
        line = ([row["namespace"]] if several else []) + [
            row["key"],
            _preview(row["value"], 200) if not full else _preview(row["value"], 0),
            str(row["version"]),
            when(row["expires_at"]),
        ]
        if score:
            line.append(f"{row['score']:g}")
        cells.append(line)
    if rows and not several:
        title = f"{title} in {rows[0]['namespace']}"
    _show(console, title, columns, cells)
    if not rows:
        console.print("(no entries)")


def _entry_human(entry: dict[str, Any], verb: str) -> Callable[[Console], None]:
    def human(console: Console) -> None:
        console.print(
            f"{verb} {entry['namespace']}/{entry['key']} (version {entry['version']}, "
            f"expires {_when(entry['expires_at'])})"
        )

    return human


@memory_app.command("store")
def store_cmd(
    ctx: typer.Context,
    namespace: str = typer.Option(..., "--namespace", "-n", help="e.g. ml-experiments"),
    key: str = typer.Option(..., "--key", "-k", help="e.g. exp-42/metrics"),
    value: str = typer.Option(..., "--value", "-v", help="JSON, or @file.json"),
    ttl: str | None = typer.Option(None, "--ttl", help="seconds to live [default: the namespace's TTL]"),
    merge: bool = typer.Option(False, "--merge", help="deep-merge the object into the stored one"),
) -> None:
    """Store a JSON value under a key (merge = deep-merge into the existing object)."""
    parsed = parse_value(value)
    seconds = parse_ttl(ttl)
    with open_memory(ctx) as memory:
        entry = memory.store(namespace, key, parsed, ttl=seconds, merge=merge).to_dict()
    output.emit(ctx, entry, _entry_human(entry, "merged" if merge else "stored"))


@memory_app.command("retrieve")
def retrieve_cmd(
    ctx: typer.Context,
    namespace: str = typer.Option(..., "--namespace", "-n"),
    key: str = typer.Option(..., "--key", "-k"),
) -> None:
    """Print the value as JSON (with --json: the whole entry); exit 1 if absent or expired."""
    with open_memory(ctx) as memory:
        entry = memory.retrieve(namespace, key).to_dict()
    output.emit(ctx, entry, lambda console: console.print_json(output.to_json(entry["value"])))


@memory_app.command("search")
def search_cmd(
    ctx: typer.Context,
    words: list[str] | None = typer.Argument(
        None, metavar="[QUERY]", help='The query as AutomatosX writes it: axtui memory search "words"'
    ),
    query_opt: str | None = typer.Option(
        None, "--query", "-q", help="e.g. model:churn AND accuracy:[0.9 TO 1]"
    ),
    namespace: str | None = typer.Option(None, "--namespace", "-n"),
    limit: int = typer.Option(20, "--limit", min=1, help="at most this many results"),
) -> None:
    """Search with the query language: words, "phrases", field:value, key:prefix*, ranges, AND/OR/NOT."""
    if words and query_opt is not None:
        raise InputError(
            "give the query either as an argument or with --query, not both",
            where="memory search",
            hint='axtui memory search "words"  or  axtui memory search --query "words"',
        )
    query = " ".join(words) if words else query_opt
    if query is None:
        raise InputError("no query given", where="memory search", hint='axtui memory search "words"')
    with open_memory(ctx) as memory:
        hits = [hit.to_dict() for hit in memory.search(query, namespace=namespace, limit=limit)]
    data = {"query": query, "namespace": namespace, "limit": limit, "count": len(hits), "results": hits}
    output.emit(
        ctx,
        data,
        lambda console: _entries_table(console, hits, f"{len(hits)} result(s) for {query}", score=True),
    )


@memory_app.command("list")
def list_cmd(
    ctx: typer.Context,
    namespace: str | None = typer.Option(None, "--namespace", "-n"),
    prefix: str | None = typer.Option(None, "--prefix", help="only keys starting with this"),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List live entries (expired ones are hidden until pruned)."""
    with open_memory(ctx) as memory:
        entries = [e.to_dict() for e in memory.list(namespace, prefix=prefix, limit=limit)]
    data = {"namespace": namespace, "count": len(entries), "entries": entries}
    output.emit(
        ctx,
        data,
        lambda console: _entries_table(
            console, entries, f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
        ),
    )


@memory_app.command("delete")
def delete_cmd(
    ctx: typer.Context,
    namespace: str = typer.Option(..., "--namespace", "-n"),
    key: str = typer.Option(..., "--key", "-k"),
) -> None:
    """Delete a key; exit 1 if there was no live entry."""
    from axtui.errors import NotFoundError

    with open_memory(ctx) as memory:
        deleted = memory.delete(namespace, key)
    if not deleted:
        raise NotFoundError(
            f"no entry {key!r} in namespace {namespace!r} (absent or expired)",
            where=f"{namespace}/{key}",
            hint="nothing was deleted",
        )
    data = {"namespace": namespace, "key": key, "deleted": True}
    output.emit(ctx, data, lambda console: console.print(f"deleted {namespace}/{key}"))


@memory_app.command("prune")
def prune_cmd(ctx: typer.Context) -> None:
    """Delete every expired entry."""
    with open_memory(ctx) as memory:
        count = memory.prune()
    output.emit(
        ctx,
        {"pruned": count},
        lambda console: console.print(f"pruned {count} expired entr{'y' if count == 1 else 'ies'}"),
    )


@memory_app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--output", "-o", help="FILE.json or FILE.parquet"),
    namespace: str | None = typer.Option(None, "--namespace", "-n"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing output file"),
) -> None:
    """Write live entries to JSON or Parquet (import restores them exactly)."""
    with open_memory(ctx) as memory:
        count = memory.export(out, namespace=namespace, force=force)
    data = {
        "path": str(out),
        "format": out.suffix.lstrip(".").lower(),
        "namespace": namespace,
        "count": count,
    }
    output.emit(
        ctx,
        data,
        lambda console: console.print(f"exported {count} entr{'y' if count == 1 else 'ies'} to {out}"),
    )


@memory_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="a .json or .parquet file written by `memory export`"),
) -> None:
    """Load an export file, all or nothing; imported keys replace stored ones."""
    with open_memory(ctx) as memory:
        count = memory.import_file(file)
    data = {"path": str(file), "count": count}
    output.emit(
        ctx,
        data,
        lambda console: console.print(f"imported {count} entr{'y' if count == 1 else 'ies'} from {file}"),
    )


@memory_app.command("history")
def history_cmd(
    ctx: typer.Context,
    namespace: str = typer.Option(..., "--namespace", "-n"),
    key: str = typer.Option(..., "--key", "-k"),
) -> None:
    """Every recorded version of a key (stores, merges, deletes, prunes, imports)."""
    with open_memory(ctx) as memory:
        rows = memory.history(namespace, key)

    def human(console: Console) -> None:
        expiry = _expiry(console)
        cells = [
            [
                str(row["version"]),
                row["op"],
                _when(row["changed_at"]),
                expiry(row["expires_at"]),
                _preview(row["value"], 0 if full_output() else 200) if row["value"] is not None else "",
                f"{row['session_id']}/{row['step_id']}" if row["session_id"] else "",
            ]
            for row in rows
        ]
        _show(
            console,
            f"history of {namespace}/{key}",
            ["ver:num", "op:key", "changed:key", "expires:key", "value:clip", "session/step:key"],
            cells,
        )
        if not rows:
            console.print("(no history)")

    output.emit(ctx, {"namespace": namespace, "key": key, "history": rows}, human)


@memory_app.command("namespaces")
def namespaces_cmd(ctx: typer.Context) -> None:
    """Namespaces with live entry counts and default TTLs (the PRD ones always listed)."""
    with open_memory(ctx) as memory:
        infos = [info.to_dict() for info in memory.namespaces()]

    def human(console: Console) -> None:
        cells = [
            [info["name"], str(info["count"]), _ttl_text(info["default_ttl"]), info["description"]]
            for info in infos
        ]
        _show(
            console,
            "memory namespaces",
            ["namespace:key", "entries:num", "default TTL:num", "purpose:text"],
            cells,
        )

    output.emit(ctx, {"namespaces": infos}, human)


def _ttl_text(seconds: int | None) -> str:
    from axtui.present.format import ttl

    return ttl(seconds)


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
