"""Memory value size: time and peak RSS of storing and importing one value, 1 KB to 50 MB.

Each size runs in a fresh child process (so ``ru_maxrss`` is that size's peak) on a fresh
database: build a value of about that many bytes of JSON (a list of small records, the shape
that made the old ``json_tree`` path quadratic), ``Memory.store`` it, export it, and
``Memory.import_file`` the export into a second fresh database. The maximum value size is
raised for the run (``AXTUI_MAX_VALUE_MB=64``) so the 50 MB point can be measured; one more
child shows the refusal above the default 16 MB.

Usage: ``python bench/memory_size.py [--sizes 1e3,1e4,...] [--write bench/memory_size.md]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = "1e3,1e4,1e5,1e6,4e6,16e6,50e6"

CHILD = r"""
import json, os, resource, sys, tempfile, time
from pathlib import Path
from axtui.core.memory import Memory
from axtui.core.store import Store
from axtui.errors import AxtuiError

target = int(float(sys.argv[1]))
row = {"feature": "feature_000000", "psi": 0.123456, "drifted": False, "bucket": "a"}
per_row = len(json.dumps(row, separators=(",", ":"))) + 1
n = max(1, target // per_row)
value = {"model": "churn", "rows": [dict(row, feature=f"feature_{i:06d}") for i in range(n)]}
text = json.dumps(value, separators=(",", ":"))
work = Path(tempfile.mkdtemp(dir=sys.argv[2]))
out = {"bytes": len(text), "scalars": 1 + 4 * len(value["rows"])}
try:
    memory = Memory(Store(work / "a.duckdb"))
    memory.store("ml-experiments", "warm-up", {"x": 1})  # first-write costs (imports, sequences) apart
    t = time.perf_counter()
    memory.store("ml-experiments", "big", value)
    out["store_s"] = time.perf_counter() - t
    memory.export(work / "big.json")
    again = Memory(Store(work / "b.duckdb"))
    again.store("ml-experiments", "warm-up", {"x": 1})
    t = time.perf_counter()
    again.import_file(work / "big.json")
    out["import_s"] = time.perf_counter() - t
    assert again.retrieve("ml-experiments", "big").value == value
except AxtuiError as exc:
    out["refused"] = exc.message
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def measure(size: float, scratch: str, max_mb: str) -> dict[str, object]:
    env = {**os.environ, "AXTUI_MAX_VALUE_MB": max_mb}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(size), scratch], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if done.returncode != 0:
        return {"bytes": int(size), "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| value (JSON) | scalars | store | import | peak RSS | store ms per 1000 scalars |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        mb = float(r["bytes"]) / 1e6  # type: ignore[arg-type]
        if "refused" in r or "error" in r:
            lines.append(
                f"| {mb:.3f} MB | | refused: {r.get('refused') or r.get('error')} | | "
                f"{float(r.get('peak_rss_mb', 0)):.0f} MB | |"
            )  # type: ignore[arg-type]
            continue
        store_s, import_s = float(r["store_s"]), float(r["import_s"])  # type: ignore[arg-type]
        lines.append(
            f"| {mb:.3f} MB | {r['scalars']:,} | {store_s:.2f} s | {import_s:.2f} s | "
            f"{float(r['peak_rss_mb']):.0f} MB | {1e6 * store_s / float(r['scalars']):.1f} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in (float(s) for s in args.sizes.split(",")):
            rows.append(measure(size, scratch, "64"))
            print(json.dumps(rows[-1]), flush=True)
        refusal = measure(20e6, scratch, "")  # the default maximum, 16 MB
        rows.append(refusal)
        print(json.dumps(refusal), flush=True)
    text = (
        "# Memory value size (bench/memory_size.py)\n\n"
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores (shared).\n"
        "One child process per size (peak RSS is that child's); the last row is a 20 MB value under the "
        "default 16 MB maximum.\n\n" + table(rows) + "\n"
    )
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
