"""Time to the first useful screen: ``axtui`` against a bare Textual app, as subprocesses in one run.

What is measured, precisely: wall-clock time from spawning the process until the
text a user reads is on the terminal, found in the pseudo-terminal's output with
the escape sequences removed; then the process is stopped.

* bare: a minimal ``textual.app.App`` whose screen is one ``Static`` with the text
  ``ML Experiment Tracker``: Python start, ``import textual``, driver set-up, one paint.
* axtui: the real ``axtui`` console script (the entry point users run), until the
  home screen's workflow table shows ``ML Experiment Tracker`` (a built-in workflow's
  name), i.e. until the workflow list is readable, not merely until the first paint.
  Run twice first, as every later start is: the first start reads the workflow files
  and writes the workflow index that the following starts display from.

Both run on a pseudo-terminal of 120×40 whose output is read by a thread, with an
isolated $XDG_* home and a fresh database path. Runs alternate between the two
programs after warm-up runs, so disk cache and CPU frequency affect both alike.
Usage: ``python bench/startup.py [--runs 30] [--write bench/startup.md]``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import platform
import pty
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

TARGET = "ML Experiment Tracker"
BARE_APP = f"""
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static({TARGET!r})


Bare().run()
"""
_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


LAST_OUTPUT: list[bytes] = [b""]  # the output of the latest run, for the message of a missed one


def _watch(fd: int, target: bytes, seen: threading.Event) -> None:
    """Read the terminal's output until the target text shows (escape sequences removed)."""
    text = b""
    LAST_OUTPUT[0] = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        if not seen.is_set():
            text += chunk
            LAST_OUTPUT[0] = text
            if target in _ESCAPES.sub(b"", text):
                seen.set()


def run_once(argv: list[str], env: dict[str, str]) -> float | None:
    """Seconds from spawning ``argv`` on a fresh 120×40 pseudo-terminal until TARGET is on it
    (None, with the screen's text on stderr, if it never shows within the timeout)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = threading.Event()
    watcher = threading.Thread(target=_watch, args=(master, TARGET.encode(), seen), daemon=True)
    watcher.start()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    found = seen.wait(timeout=120)
    elapsed = time.perf_counter() - start
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    os.close(slave)
    os.close(master)
    if not found:
        screen = _ESCAPES.sub(b"", LAST_OUTPUT[0]).decode(errors="replace")
        print(
            f"{argv[-1]} never showed {TARGET!r}; its output ended with:\n{screen[-1500:]}", file=sys.stderr
        )
        return None
    return elapsed


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
        env = dict(os.environ)
        env.update(
            {
                "XDG_CONFIG_HOME": f"{tmp}/config",
                "XDG_DATA_HOME": f"{tmp}/data",
                "XDG_CACHE_HOME": f"{tmp}/cache",
                "TERM": "xterm-256color",
                "AXTUI_DB": f"{tmp}/bench.duckdb",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
        )
        env.pop("AXTUI_EXIT_AFTER_FIRST_PAINT", None)
        programs = {"bare": [sys.executable, str(bare_script)], "axtui": [str(axtui_bin)]}
        for _ in range(max(2, args.warmup)):
            for argv in programs.values():
                run_once(argv, env)
        shown: dict[str, list[float]] = {name: [] for name in programs}
        missed: dict[str, int] = {name: 0 for name in programs}
        for _ in range(args.runs):
            for name, argv in programs.items():
                seconds = run_once(argv, env)
                if seconds is None:
                    missed[name] += 1
                else:
                    shown[name].append(seconds)

    rows = []
    for label, key in (("bare Textual app (one Static)", "bare"), ("`axtui` (home screen)", "axtui")):
        p = summarise(shown[key])
        rows.append(f"| {label} | {p['median']:.3f} | {p['p90']:.3f} | {p['min']:.3f} |")
    ratio = summarise(shown["axtui"])["median"] / summarise(shown["bare"])["median"]
    ratio_p90 = summarise(shown["axtui"])["p90"] / summarise(shown["bare"])["p90"]
    lines = [
        f"| program | `{TARGET}` on screen, median (s) | p90 (s) | min (s) |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        f"Time until the workflow names are on screen, axtui / bare: **{ratio:.2f}×** (median), "
        f"{ratio_p90:.2f}× (p90); goal ≤ 1.5×.",
        "",
        f"{args.runs} alternating runs each after {max(2, args.warmup)} warm-ups (missed, i.e. the text "
        f"not on screen within 120 s: {missed['bare']} bare, {missed['axtui']} axtui); "
        f"{platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}.",
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
