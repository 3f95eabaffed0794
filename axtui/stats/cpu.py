"""numpy's sort on AMD Zen 4: take its AVX2 path, decided once, before numpy is imported.

Drift sorts every numeric column of both files, so numpy's sort is its largest cost
(docs/drift.md). numpy 2 sorts with x86-simd-sort and takes its AVX-512 path wherever the CPU
has AVX-512. On AMD Zen 4 (family 19h) that path is about 5× slower than the AVX2 one: it
stores with the memory-destination form of ``VPCOMPRESS``, which Zen 4 runs in microcode
(AMD's Zen 4 optimisation guide says to avoid it; x86-simd-sort issue 6 and numpy pull request
32690 measure it). On this project's 2-core AMD EPYC machine, sorting 1M float64 takes 54 ms
on the AVX-512 path and 10 ms on the AVX2 path.

numpy reads ``NPY_DISABLE_CPU_FEATURES`` once, when it is first imported, so the choice is made
when ``axtui.stats`` is imported (every numpy user in axtui is below it). It is made only on
Zen 4, and only when the user has not set the variable; ``AXTUI_NUMPY_AVX512=1`` keeps
numpy's own choice. A process that imported numpy before (a notebook, a test session) keeps
the dispatch it has. Sorted values are the same on either path. Sums of a few bins may differ
in the last bit (about 1e-16 relative), as they do between any two CPUs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

# numpy's names for the AVX-512 groups (numpy 2.3 and later; older releases ignore them)
AVX512_GROUPS = "X86_V4 AVX512_ICL AVX512_SPR"
ZEN4_FAMILY = 25  # 19h: Zen 3 (no AVX-512) and Zen 4; Zen 5 is family 1Ah


def is_zen4(cpuinfo: str) -> bool:
    """True for an AMD family-19h CPU with AVX-512 (Zen 4), from ``/proc/cpuinfo``'s first block."""
    first = cpuinfo.split("\n\n", 1)[0]
    fields: dict[str, str] = {}
    for line in first.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return (
        fields.get("vendor_id") == "AuthenticAMD"
        and fields.get("cpu family") == str(ZEN4_FAMILY)
        and "avx512f" in fields.get("flags", "").split()
    )


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: numpy's own choice
        return ""


def prefer_avx2_sort(
    environ: MutableMapping[str, str] | None = None,
    cpuinfo: str | None = None,
    *,
    numpy_loaded: bool | None = None,
) -> bool:
    """Set ``NPY_DISABLE_CPU_FEATURES`` to numpy's AVX-512 groups on Zen 4; True if it was set."""
    environ = os.environ if environ is None else environ
    loaded = "numpy" in sys.modules if numpy_loaded is None else numpy_loaded
    if loaded or "NPY_DISABLE_CPU_FEATURES" in environ:
        return False
    if environ.get("AXTUI_NUMPY_AVX512", "").strip() in {"1", "true", "yes"}:
        return False
    if not is_zen4(_cpuinfo() if cpuinfo is None else cpuinfo):
        return False
    environ["NPY_DISABLE_CPU_FEATURES"] = AVX512_GROUPS
    return True
