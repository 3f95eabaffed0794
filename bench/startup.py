"""Time to first screen: ``axtui`` against a bare Textual app, as subprocesses in one run.

What is measured, precisely: wall-clock time from spawning the process to its
exit, where each app exits right after its first screen has been painted.

* bare: a minimal ``textual.app.App`` whose ``on_mount`` calls
  ``self.call_after_refresh(self.exit)``: Python start, ``import textual``,
  driver set-up, one paint of an empty screen, tear-down.
* axtui: the real ``axtui`` console script (the entry point users run) with
  ``AXTUI_EXIT_AFTER_FIRST_PAINT=1``: the app pushes the home screen (workflow
  list included) and calls ``self.exit`` the same way once that screen has been
  painted. Sessions, personas and memory counts are read by a worker after the
  first paint and are therefore not part of the figure (that is the design).

Both run on a pseudo-terminal of 120×40 whose output is drained by a thread,
with an isolated $XDG_* home and a fresh database path. Runs alternate between
the two programs after warm-up runs, so disk cache and CPU frequency affect
both alike. Usage: ``python bench/startup.py [--runs 30] [--write bench/startup.md]``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

BARE_APP = """
import os
import time

from textual.app import App


class Bare(App):
    def on_mount(self) -> None:
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        with open(os.environ["AXTUI_FIRST_PAINT_FILE"], "a") as out:
            out.write(str(time.time()) + " ")
        self.exit()


Bare().run()
"""


def _drain(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def run_once(argv: list[str], env: dict[str, str], stamp: Path) -> tuple[float, float]:
    """(seconds to first paint, seconds to exit) of ``argv`` on a fresh 120×40 pseudo-terminal."""
    stamp.unlink(missing_ok=True)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    drainer = threading.Thread(target=_drain, args=(master,), daemon=True)
    drainer.start()
    start_wall = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    code = proc.wait(timeout=60)
    elapsed = time.perf_counter() - start
    os.close(slave)
    os.close(master)
    if code != 0:
        raise RuntimeError(f"{argv} exited with {code}")
    painted = float(stamp.read_text().split()[0]) - start_wall
    return painted, elapsed


def summarise(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p90": p90, "min": ordered[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--write", type=Path, help="replace the results section of this Markdown file")
    args = parser.parse_args()

    axtui_bin = Path(sys.executable).parent / "axtui"
    with tempfile.TemporaryDirectory() as tmp:
        bare_script = Path(tmp) / "bare_app.py"
        bare_script.write_text(BARE_APP)
        stamp = Path(tmp) / "first-paint"
        env = dict(os.environ)
        env.update(
            {
                "XDG_CONFIG_HOME": f"{tmp}/config",
                "XDG_DATA_HOME": f"{tmp}/data",
                "TERM": "xterm-256color",
                "AXTUI_DB": f"{tmp}/bench.duckdb",
                "AXTUI_EXIT_AFTER_FIRST_PAINT": "1",
                "AXTUI_FIRST_PAINT_FILE": str(stamp),
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
        )
        programs = {"bare": [sys.executable, str(bare_script)], "axtui": [str(axtui_bin)]}
        for _ in range(args.warmup):
            for argv in programs.values():
                run_once(argv, env, stamp)
        paint: dict[str, list[float]] = {name: [] for name in programs}
        total: dict[str, list[float]] = {name: [] for name in programs}
        for _ in range(args.runs):
            for name, argv in programs.items():
                first, whole = run_once(argv, env, stamp)
                paint[name].append(first)
                total[name].append(whole)

    rows = []
    for label, key in (("bare Textual app", "bare"), ("`axtui` (home screen)", "axtui")):
        p, t = summarise(paint[key]), summarise(total[key])
        rows.append(f"| {label} | {p['median']:.3f} | {p['p90']:.3f} | {t['median']:.3f} | {t['p90']:.3f} |")
    ratio = summarise(paint["axtui"])["median"] / summarise(paint["bare"])["median"]
    ratio_p90 = summarise(paint["axtui"])["p90"] / summarise(paint["bare"])["p90"]
    ratio_exit = summarise(total["axtui"])["median"] / summarise(total["bare"])["median"]
    lines = [
        "| program | first paint median (s) | first paint p90 (s) | exit median (s) | exit p90 (s) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Time to first screen, axtui / bare: **{ratio:.2f}×** (median), {ratio_p90:.2f}× (p90). "
        f"Spawn to exit: {ratio_exit:.2f}× (median).",
        "",
        f"{args.runs} alternating runs each after {args.warmup} warm-ups; {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs.",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        marker = "<!-- results -->"
        head = args.write.read_text().split(marker)[0] if args.write.exists() else ""
        args.write.write_text(f"{head}{marker}\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
