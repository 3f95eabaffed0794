"""``axtui profile DATA [-o FILE]``: a reference profile for drift without the raw reference.

The profile (``axtui/stats/profile.py``, docs/scaling.md) holds bin edges
and counts, category counts, null counts, moments and a KLL sketch per
column; ``axtui drift PROFILE CURRENT`` uses it in place of the reference.
``--merge`` combines profiles of partitions into the profile of the whole;
``--edges-from`` bins a partition on another profile's edges (the second
pass that makes the merged bin counts exact).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from axtui.commands.progress import column_progress
from axtui.errors import InputError
from axtui.present import output
from axtui.values import comma_list


def profile_command(
    ctx: typer.Context,
    data: list[str] = typer.Argument(
        ...,
        help="Data to profile (file, glob, folder, s3:// gs:// az:// https:// URL); with --merge: profiles",
    ),
    out: Path | None = typer.Option(None, "-o", "--output", help="Write the profile here (JSON)"),
    columns: str | None = typer.Option(None, "--columns", help="Only these columns (comma-separated)"),
    categorical: str | None = typer.Option(
        None, "--categorical", help="Profile these columns as categorical"
    ),
    edges_from: Path | None = typer.Option(
        None, "--edges-from", help="Bin numeric columns on this profile's edges (second pass over partitions)"
    ),
    merge: bool = typer.Option(False, "--merge", help="Merge the given profiles into one"),
    sketch_k: int = typer.Option(1000, "--sketch-k", help="KLL sketch size k (larger: smaller rank error)"),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr [default: on unless --json]"
    ),
) -> None:
    """Profile a reference once; drift against the profile later, without re-reading the data."""
    from axtui.stats import profile as profiles

    if merge:
        if edges_from is not None or columns or categorical:
            raise InputError(
                "--merge takes profiles only", where="--merge", hint="leave out the other options"
            )
        result = profiles.merge_profiles([profiles.load_profile(p) for p in data])
    else:
        if len(data) != 1:
            raise InputError(
                f"expected one data source, got {len(data)}",
                where="DATA",
                hint="quote a glob so the shell does not expand it, pass a folder, "
                "or use --merge for profiles",
            )
        edges = profiles.load_profile(edges_from) if edges_from is not None else None
        with column_progress(ctx, progress, "profiling") as callback:
            result = profiles.build_profile(
                data[0],
                columns=comma_list(columns),
                categorical=comma_list(categorical),
                edges_from=edges,
                sketch_k=sketch_k,
                progress=callback,
            )
    if out is None:
        output.emit(ctx, result.to_dict())
        return
    try:
        out.write_text(result.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the profile: {exc.strerror}", where=str(out)) from exc
    summary = _summary(result, out)
    output.emit(ctx, summary, lambda con: _render(con, summary))


def _summary(result: Any, out: Path) -> dict[str, Any]:
    return {
        "written": str(out),
        "rows": result.rows,
        "parts": result.parts,
        "sketch_k": result.sketch_k,
        "columns": [
            {
                "name": name,
                "kind": col["kind"],
                "nulls": col["nulls"],
                "bins": "exact"
                if col.get("bin_counts") is not None
                else ("needs --edges-from pass" if col["kind"] == "numeric" else None),
            }
            for name, col in result.columns.items()
        ],
        "skipped": result.skipped,
    }


def _render(con: Console, summary: dict[str, Any]) -> None:
    kinds = [c["kind"] for c in summary["columns"]]
    con.print(
        f"wrote {summary['written']}: {summary['rows']:,} rows, {kinds.count('numeric')} numeric and "
        f"{kinds.count('categorical')} categorical columns"
        + (f", merged from {summary['parts']} parts" if summary["parts"] > 1 else ""),
        highlight=False,
    )
    pending = [c["name"] for c in summary["columns"] if c["bins"] == "needs --edges-from pass"]
    if pending:
        con.print(
            f"[yellow]bin counts dropped for {len(pending)} columns (the parts were binned on different "
            f"edges): profile each part again with --edges-from {summary['written']} and merge those[/]",
            highlight=False,
        )
    for skipped in summary["skipped"]:
        con.print(f"[yellow]skipped {skipped['name']}: {skipped['reason']}[/]", highlight=False)
