"""Reference profiles: what drift needs from the reference, kept instead of the reference itself.

A profile is a JSON document (so it can live in the memory store as a model
version's ``baseline_stats``, or in a file) with, per column:

* numeric: finite count, null and ±inf counts, moments (mean and the sum of
  squared deviations ``m2``, merged exactly with Chan's formula), min, max,
  the PSI/JS bin edges (reference quantiles 0.1..0.9 as drift computes them)
  with the reference count per bin, a KLL quantile sketch from Apache
  DataSketches (base64) and, for integer columns with at most ``FEW_VALUES``
  distinct values, their counts (drift treats such columns as categorical);
* categorical: the count per category and the null count.

Profiles of partitions merge into the profile of the whole
(``merge_profiles``): counts and bin counts add up exactly, moments combine
exactly (to float rounding), sketches merge within their stated error. Bin
counts only add up over the same edges, so a lake is profiled in two passes
(docs/scaling.md): profile each partition, merge (edges then come from the
merged sketch and the bin counts are dropped), then profile each partition
again with ``edges_from`` the merged profile and merge those.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui import __version__
from axtui.errors import InputError
from axtui.stats.drift import (
    _TEXT_DTYPES,
    FEW_VALUES,
    PSI_QUANTILES,
    ProgressCallback,
    _collect,
    _Plan,
    bin_counts,
    category_counts,
    finite_sorted,
    open_side,
    psi_edges,
    run_groups,
)
from axtui.stats.io import require_columns

FORMAT = 1
MARKER = "axtui_profile"
DEFAULT_SKETCH_K = 1000  # KLL k: about 0.33 % normalized rank error (99 % confidence)


@dataclass
class Profile:
    """A reference profile and where it came from (``label`` names it in messages)."""

    label: str
    rows: int
    columns: dict[str, dict[str, Any]]
    sketch_k: int = DEFAULT_SKETCH_K
    source: str = ""
    skipped: list[dict[str, str]] = field(default_factory=list)
    parts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            MARKER: {"format": FORMAT, "axtui": __version__},
            "source": self.source,
            "rows": self.rows,
            "parts": self.parts,
            "sketch_k": self.sketch_k,
            "columns": [{"name": name, **col} for name, col in self.columns.items()],
            "skipped": self.skipped,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)


# ---------------------------------------------------------------- building


def build_profile(
    source: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    edges_from: Profile | None = None,
    sketch_k: int = DEFAULT_SKETCH_K,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> Profile:
    """The profile of a data source (file, glob, folder, URL or DataFrame), a few columns at a time.

    ``edges_from`` takes the bin edges from another profile (the merged
    profile of a first pass), so partition profiles can be merged exactly.
    """
    if sketch_k < 8 or sketch_k > 65535:
        raise InputError(f"sketch k {sketch_k} is out of range", where="--sketch-k", hint="use 8..65535")
    side = open_side(source, "profiled")
    wanted = list(dict.fromkeys(columns or []))
    forced = set(categorical or [])
    require_columns(side.label, list(side.schema), [*wanted, *sorted(forced - set(wanted))])
    selected = wanted or list(side.schema)
    plans = [_Plan(name, "categorical" if name in forced else None, name in wanted) for name in selected]

    def compute(plan: _Plan, frame: pl.DataFrame) -> dict[str, Any]:
        edges = _edges_for(edges_from, plan.name) if edges_from is not None else None
        return profile_column(plan, frame.get_column(plan.name), sketch_k=sketch_k, edges=edges)

    results = run_groups(
        plans,
        lambda group: _collect(side, group),
        compute,
        rows=side.rows,
        total_rows=side.rows,
        workers=workers,
        progress=progress,
    )
    kept = {r.pop("name"): r for r in results if "skip" not in r}
    skipped = [{"name": r["name"], "reason": r["skip"]} for r in results if "skip" in r]
    if not kept:
        raise InputError(
            "no column could be profiled", where=side.label, hint="profile numeric or text columns"
        )
    return Profile(side.label, side.rows, kept, sketch_k, source=side.label, skipped=skipped)


def profile_column(
    plan: _Plan, series: pl.Series, *, sketch_k: int, edges: np.ndarray | None = None
) -> dict[str, Any]:
    """One column's entry: the numbers drift needs from the reference, nothing that grows with rows."""
    dtype = series.dtype
    kind_class = dtype_class(dtype)
    base: dict[str, Any] = {"name": plan.name, "dtype": kind_class, "rows": series.len()}
    if kind_class in ("null", "other") and plan.forced != "categorical":
        reason = "all values are null" if kind_class == "null" else f"unsupported type {dtype}"
        if plan.named:
            raise InputError(f"column {plan.name!r}: {reason}", where=f"data: column {plan.name}")
        return {"name": plan.name, "skip": reason}
    if plan.forced == "categorical" or kind_class in ("text", "boolean"):
        counts, missing = category_counts(series)
        return {**base, "kind": "categorical", "nulls": missing, "counts": counts}
    values, missing, infinite = finite_sorted(series)
    column = {**base, "kind": "numeric", "nulls": missing, "inf": infinite, **numeric_summary(values)}
    column.update(_bins(values, edges))
    column["kll"] = _encode(_sketch(values, sketch_k))
    column["values"] = _few_values_counts(series) if kind_class == "integer" else None
    return column


def dtype_class(dtype: pl.DataType) -> str:
    """The coarse type drift decides on: float, integer, boolean, text, null or other."""
    if dtype == pl.Null:
        return "null"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "float"
    if isinstance(dtype, _TEXT_DTYPES):
        return "text"
    return "other"


def numeric_summary(sorted_values: np.ndarray) -> dict[str, Any]:
    """Count, mean, m2 = Σ(x − mean)², min and max (mean and std as numpy computes them)."""
    n = int(sorted_values.size)
    if n == 0:
        return {"count": 0, "mean": None, "m2": None, "min": None, "max": None}
    mean = float(np.mean(sorted_values))
    m2 = float(np.sum((sorted_values - mean) ** 2))
    return {
        "count": n,
        "mean": mean,
        "m2": m2,
        "min": float(sorted_values[0]),
        "max": float(sorted_values[-1]),
    }


def _bins(sorted_values: np.ndarray, edges: np.ndarray | None) -> dict[str, Any]:
    if edges is None:
        if sorted_values.size == 0:
            return {"edges": None, "bin_counts": None, "edges_source": "data"}
        edges = psi_edges(sorted_values)
        source = "data"
    else:
        source = "profile"
    return {
        "edges": [float(e) for e in edges],
        "bin_counts": [int(c) for c in bin_counts(sorted_values, edges)],
        "edges_source": source,
    }


def _few_values_counts(series: pl.Series) -> dict[str, int] | None:
    if series.drop_nulls().n_unique() > FEW_VALUES:
        return None
    counts, _ = category_counts(series)
    return counts


def _sketch(sorted_values: np.ndarray, k: int) -> Any:
    from datasketches import kll_doubles_sketch

    sketch = kll_doubles_sketch(k)
    if sorted_values.size:
        sketch.update(sorted_values)
    return sketch


def _encode(sketch: Any) -> str:
    return base64.b64encode(sketch.serialize()).decode("ascii")


def decode_sketch(text: str) -> Any:
    from datasketches import kll_doubles_sketch

    return kll_doubles_sketch.deserialize(base64.b64decode(text))


def _edges_for(profile: Profile, name: str) -> np.ndarray | None:
    col = profile.columns.get(name)
    if col is None:
        raise InputError(
            f"the edges profile has no column {name!r}",
            where=profile.label,
            hint="take --edges-from a profile of the same columns",
        )
    if col["kind"] != "numeric" or col.get("edges") is None:
        return None
    return np.asarray(col["edges"], dtype=np.float64)


# ---------------------------------------------------------------- merging


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    """The profile of the union of the partitions the profiles describe.

    Every profile must have the same columns with the same kinds. Bin counts
    add up when every part used the same edges; otherwise the merged column
    gets edges from the merged sketch and no bin counts (``edges_source``
    "sketch"), ready for a second pass with ``edges_from``.
    """
    if not profiles:
        raise InputError("no profile to merge", hint="pass two or more profile files")
    first = profiles[0]
    for other in profiles[1:]:
        if list(other.columns) != list(first.columns):
            missing = [c for c in first.columns if c not in other.columns]
            extra = [c for c in other.columns if c not in first.columns]
            detail = (
                f"lacks {missing[0]!r}"
                if missing
                else f"has {extra[0]!r}"
                if extra
                else "orders them differently"
            )
            raise InputError(
                f"the profiles describe different columns: this one {detail}",
                where=other.label,
                hint=f"profile every partition with the same columns as {first.label}",
            )
    columns = {
        name: _merge_column(name, [p.columns[name] for p in profiles], profiles) for name in first.columns
    }
    return Profile(
        label=" + ".join(p.label for p in profiles[:3]) + (" + ..." if len(profiles) > 3 else ""),
        rows=sum(p.rows for p in profiles),
        columns=columns,
        sketch_k=min(p.sketch_k for p in profiles),
        source=f"merge of {sum(p.parts for p in profiles)} parts",
        skipped=first.skipped,
        parts=sum(p.parts for p in profiles),
    )


def _merge_column(name: str, parts: list[dict[str, Any]], profiles: Sequence[Profile]) -> dict[str, Any]:
    kinds = {p["kind"] for p in parts}
    if len(kinds) > 1:
        odd = next(prof for prof, p in zip(profiles, parts, strict=True) if p["kind"] != parts[0]["kind"])
        raise InputError(
            f"column {name!r} is {parts[0]['kind']} in one profile and not in this one",
            where=f"{odd.label}: column {name}",
            hint="profile the partitions with the same --categorical columns",
        )
    merged: dict[str, Any] = {
        "dtype": parts[0]["dtype"] if len({p["dtype"] for p in parts}) == 1 else "float",
        "rows": sum(p["rows"] for p in parts),
        "kind": parts[0]["kind"],
        "nulls": sum(p["nulls"] for p in parts),
    }
    if merged["kind"] == "categorical":
        merged["counts"] = _add_counts([p["counts"] for p in parts])
        return merged
    merged["inf"] = sum(p["inf"] for p in parts)
    merged.update(merge_moments(parts))
    sketch = decode_sketch(parts[0]["kll"])
    for p in parts[1:]:
        sketch.merge(decode_sketch(p["kll"]))
    merged["kll"] = _encode(sketch)
    merged.update(_merge_bins(parts, sketch))
    values = [p.get("values") for p in parts]
    merged["values"] = None
    if all(v is not None for v in values):
        total = _add_counts(values)  # type: ignore[arg-type]
        merged["values"] = total if len(total) <= FEW_VALUES else None
    return merged


def merge_moments(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Count, mean, m2, min and max of the union (Chan, Golub and LeVeque's pairwise update)."""
    n, mean, m2 = 0, 0.0, 0.0
    lo, hi = math.inf, -math.inf
    for p in parts:
        nb = p["count"]
        if not nb:
            continue
        delta = p["mean"] - mean
        total = n + nb
        mean = mean + delta * nb / total
        m2 = m2 + p["m2"] + delta * delta * n * nb / total
        n = total
        lo, hi = min(lo, p["min"]), max(hi, p["max"])
    if n == 0:
        return {"count": 0, "mean": None, "m2": None, "min": None, "max": None}
    return {"count": n, "mean": mean, "m2": m2, "min": lo, "max": hi}


def _merge_bins(parts: Sequence[dict[str, Any]], sketch: Any) -> dict[str, Any]:
    with_values = [p for p in parts if p.get("edges") is not None]
    if not with_values:
        return {"edges": None, "bin_counts": None, "edges_source": "data"}
    same = all(p["edges"] == with_values[0]["edges"] for p in with_values) and all(
        p.get("bin_counts") is not None for p in with_values
    )
    if same:
        counts = np.sum([p["bin_counts"] for p in with_values], axis=0)
        source = "profile" if len(with_values) > 1 else with_values[0]["edges_source"]
        return {
            "edges": with_values[0]["edges"],
            "bin_counts": [int(c) for c in counts],
            "edges_source": source,
        }
    edges = np.unique(np.asarray(sketch.get_quantiles(PSI_QUANTILES.tolist()), dtype=np.float64))
    return {"edges": [float(e) for e in edges], "bin_counts": None, "edges_source": "sketch"}


def _add_counts(parts: Sequence[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in parts:
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    return total


# ---------------------------------------------------------------- reading


def as_profile(value: Any) -> Profile | None:
    """``value`` as a Profile if it is one (an object, a parsed document or a profile file), else None."""
    if isinstance(value, Profile):
        return value
    if isinstance(value, dict) and MARKER in value:
        return from_dict(value, "reference profile")
    if isinstance(value, str | Path) and is_profile_file(value):
        return load_profile(value)
    return None


def profile_from_baseline(value: Any) -> Profile | None:
    """The profile inside a stored ``baseline_stats`` entry, or None when there is none.

    Accepts what a workflow has at hand: the ``memory_retrieve`` result
    (``found`` + ``value``), the stored value (with a ``profile`` key) or a
    profile document itself. Anything else (not found, an older baseline with
    metrics only) is None, and the caller falls back to the raw reference.
    """
    if not isinstance(value, dict):
        return None
    if "found" in value and not value.get("found"):
        return None
    inner = value.get("value", value)
    if isinstance(inner, dict) and isinstance(inner.get("profile"), dict):
        inner = inner["profile"]
    if isinstance(inner, dict) and MARKER in inner:
        return from_dict(inner, "baseline_stats profile")
    return None


def is_profile_file(path: str | Path) -> bool:
    """A local ``.json`` file that holds a JSON object with the profile marker (data files hold arrays)."""
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    with p.open("rb") as fh:
        head = fh.read(256).lstrip()
    return head.startswith(b"{") and MARKER.encode() in head


def load_profile(path: str | Path) -> Profile:
    label = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the profile: {exc}", where=label, hint="write it with axtui profile"
        ) from exc
    return from_dict(doc, label)


def from_dict(doc: Any, label: str) -> Profile:
    """Validate a profile document (its format version first) and wrap it."""
    meta = doc.get(MARKER) if isinstance(doc, dict) else None
    if not isinstance(meta, dict):
        raise InputError(
            "not an axtui profile", where=label, hint="write one with: axtui profile DATA -o FILE"
        )
    version = meta.get("format")
    if not isinstance(version, int) or version > FORMAT:
        raise InputError(
            f"the profile was written by axtui {meta.get('axtui', '?')} in profile format {version}; "
            f"this axtui ({__version__}) reads format {FORMAT}",
            where=label,
            hint="upgrade axtui, or write the profile again with this version",
        )
    try:
        columns = {c["name"]: {k: v for k, v in c.items() if k != "name"} for c in doc["columns"]}
        for name, col in columns.items():
            if col.get("kind") not in ("numeric", "categorical"):
                raise KeyError(f"kind of {name}")
        return Profile(
            label=label,
            rows=int(doc["rows"]),
            columns=columns,
            sketch_k=int(doc.get("sketch_k", DEFAULT_SKETCH_K)),
            source=str(doc.get("source", "")),
            skipped=list(doc.get("skipped", [])),
            parts=int(doc.get("parts", 1)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"the profile is damaged or incomplete ({exc})",
            where=label,
            hint="write it again with axtui profile",
        ) from exc
