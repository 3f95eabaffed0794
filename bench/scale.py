"""``axtui drift`` at lake scale: time and peak memory, against a plain polars + scipy pass, in one run.

Two shapes (issue 15):

* **tall**: 10,000,000 rows × 50 numeric + 10 categorical columns per file;
* **wide**: 200,000 rows × 1,000 columns (950 numeric + 50 categorical).

Data is generated once into bench/data/ (gitignored), one row group per
million rows, with the same kinds of drift as bench/drift.py. Each run is a
separate process measured by ``/usr/bin/time`` (wall, CPU = user + system,
peak RSS):

* ``axtui --json drift REF CUR`` (the command users run);
* the plain pass: for each column, polars reads that column of both files,
  then ``scipy.stats.ks_2samp`` and a numpy PSI (numeric) or
  ``chi2_contingency`` and PSI (categorical). It reads one column at a time
  because reading both 10M-row tables whole needs ~10 GB, more than this
  machine can spare; so its peak RSS is its own best case.

Goal (PRODUCT.md §11 / issue 15): drift on 10M × 60 within 1.5 GB peak RSS;
200k × 1,000 runs.

Usage: ``python bench/scale.py [--shape tall|wide|both] [--skip-plain] [--write bench/scale.md]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SHAPES = {"tall": (10_000_000, 50, 10), "wide": (200_000, 950, 50)}
CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
CHUNK = 1_000_000


def generate(path: Path, rows: int, n_num: int, n_cat: int, drifted: bool, seed: int) -> None:
    import numpy as np
    import polars as pl
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    cats = np.array(CATEGORIES)
    writer = None
    tmp = path.with_suffix(".tmp")
    try:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            cols = {}
            for i in range(n_num):
                mean = 0.3 if drifted and i % 5 == 0 else 0.0
                scale = 1.3 if drifted and i % 7 == 0 else 1.0
                cols[f"num_{i:03d}"] = rng.normal(mean, scale, n)
            for j in range(n_cat):
                p = np.full(8, 1 / 8)
                if drifted and j % 3 == 0:
                    p = np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05])
                cols[f"cat_{j:02d}"] = cats[rng.choice(8, n, p=p)]
            table = pl.DataFrame(cols).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    tmp.rename(path)


def data_files(shape: str) -> tuple[Path, Path]:
    rows, n_num, n_cat = SHAPES[shape]
    DATA.mkdir(parents=True, exist_ok=True)
    ref = DATA / f"scale_{shape}_reference_{rows}x{n_num + n_cat}.parquet"
    cur = DATA / f"scale_{shape}_current_{rows}x{n_num + n_cat}.parquet"
    for path, drifted, seed in ((ref, False, 1), (cur, True, 2)):
        if not path.exists():
            print(f"generating {path.name} ...", file=sys.stderr, flush=True)
            generate(path, rows, n_num, n_cat, drifted, seed)
    return ref, cur


def work_plain(ref: str, cur: str) -> dict:
    """The plain pass, one column at a time (see the module docstring)."""
    import numpy as np
    import polars as pl
    from scipy import stats

    start = time.perf_counter()
    drifted = 0
    for name in pl.read_parquet_schema(ref):
        r = pl.read_parquet(ref, columns=[name]).get_column(name).drop_nulls()
        c = pl.read_parquet(cur, columns=[name]).get_column(name).drop_nulls()
        if r.dtype.is_numeric():
            a, b = r.to_numpy(), c.to_numpy()
            ks = stats.ks_2samp(a, b)
            edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
            pr = np.bincount(np.searchsorted(edges, a, side="right"), minlength=edges.size + 1) / a.size
            pc = np.bincount(np.searchsorted(edges, b, side="right"), minlength=edges.size + 1) / b.size
            pr, pc = np.clip(pr, 1e-4, None), np.clip(pc, 1e-4, None)
            psi = float(np.sum((pc - pr) * np.log(pc / pr)))
            drifted += int(psi >= 0.1 and ks.pvalue < 0.05)
        else:
            rc = dict(r.value_counts().iter_rows())
            cc = dict(c.value_counts().iter_rows())
            keys = sorted(set(rc) | set(cc))
            table = np.array([[rc.get(k, 0) for k in keys], [cc.get(k, 0) for k in keys]])
            chi2 = stats.chi2_contingency(table)
            pr = np.clip(table[0] / table[0].sum(), 1e-4, None)
            pc = np.clip(table[1] / table[1].sum(), 1e-4, None)
            drifted += int(float(np.sum((pc - pr) * np.log(pc / pr))) >= 0.1 and chi2.pvalue < 0.05)
        del r, c
    return {"seconds": time.perf_counter() - start, "drifted": drifted}


def measure(argv: list[str], label: str) -> dict:
    print(f"running {label} ...", file=sys.stderr, flush=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats_file:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-o", stats_file.name, "-f", "%U %S %M", *argv],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{label} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        user, system, rss_kb = stats_file.read().split()[-3:]
    return {
        "label": label,
        "wall": wall,
        "cpu": float(user) + float(system),
        "rss_mb": int(rss_kb) / 1024,
        "stdout": proc.stdout,
    }


def run_shape(shape: str, skip_plain: bool) -> dict:
    ref, cur = data_files(shape)
    rows, n_num, n_cat = SHAPES[shape]
    axtui = measure(
        [sys.executable, "-m", "axtui", "--json", "drift", str(ref), str(cur)], f"axtui drift ({shape})"
    )
    doc = json.loads(axtui.pop("stdout"))
    out = {
        "shape": shape,
        "rows": rows,
        "columns": n_num + n_cat,
        "file_mb": (ref.stat().st_size + cur.stat().st_size) / 2**20,
        "axtui": axtui,
        "axtui_compared": len(doc["compared"]),
        "axtui_drifted": sum(c["drifted"] for c in doc["columns"]),
        "alert_level": doc["alert_level"],
    }
    if not skip_plain:
        plain = measure(
            [sys.executable, str(Path(__file__).resolve()), "_plain", str(ref), str(cur)],
            f"plain pass ({shape})",
        )
        plain.pop("stdout")
        out["plain"] = plain
    return out


def render(results: list[dict], loads: tuple) -> str:
    lines = [
        "# `axtui drift` at scale: time and peak memory",
        "",
        f"Generated by `python bench/scale.py {' '.join(sys.argv[1:])}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {loads[0][0]:.1f} before and "
        f"{loads[1][0]:.1f} after (the machine is shared: wall times are inflated, CPU times less so).",
        "",
        "| shape | rows × columns | both files MB | run | wall s | CPU s | peak RSS MB |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for r in results:
        for key in ("axtui", "plain"):
            if key not in r:
                continue
            m = r[key]
            lines.append(
                f"| {r['shape']} | {r['rows']:,} × {r['columns']:,} | {r['file_mb']:,.0f} | {m['label']} | "
                f"{m['wall']:.1f} | {m['cpu']:.1f} | {m['rss_mb']:,.0f} |"
            )
    lines.append("")
    for r in results:
        a = r["axtui"]
        goal = ""
        if r["shape"] == "tall":
            goal = f" Goal ≤ 1,536 MB peak RSS: **{'met' if a['rss_mb'] <= 1536 else 'NOT met'}**."
        ratio = ""
        if "plain" in r:
            p = r["plain"]
            ratio = (
                f" axtui / plain pass: {a['cpu'] / p['cpu']:.2f}× CPU, {a['rss_mb'] / p['rss_mb']:.2f}× RSS."
            )
        lines.append(
            f"* {r['shape']}: compared {r['axtui_compared']} columns, {r['axtui_drifted']} drifted, alert "
            f"{r['alert_level']}.{goal}{ratio}"
        )
    lines += [
        "",
        "axtui reads a few columns at a time from the lazy scan (as many as fit 256 MB for both sides) and",
        "computes them on as many threads as fit 1 GB of merge buffers, so its peak follows one or two",
        "columns, not the table. The plain pass reads one column at a time too (whole tables do not fit).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["tall", "wide", "both"], default="both")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    shapes = ["tall", "wide"] if args.shape == "both" else [args.shape]
    before = os.getloadavg()
    results = [run_shape(s, args.skip_plain) for s in shapes]
    report = render(results, (before, os.getloadavg()))
    print(report)
    if args.write:
        args.write.write_text(report)
        args.write.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "_plain":
        print(json.dumps(work_plain(sys.argv[2], sys.argv[3])))
    else:
        main()
