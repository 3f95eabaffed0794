"""numpy's sort path on AMD Zen 4 (axtui/stats/cpu.py): chosen before numpy loads, never over the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from axtui.stats import cpu


def block(vendor: str, family: int, flags: str) -> str:
    first = f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nflags\t\t: fpu sse2 {flags}"
    return first + "\n\nprocessor\t: 1\n"


ZEN4 = block("AuthenticAMD", 25, "avx2 avx512f avx512dq avx512bw")


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [
        (ZEN4, True),
        (block("AuthenticAMD", 25, "avx2"), False),  # Zen 3: family 19h without AVX-512
        (block("AuthenticAMD", 26, "avx2 avx512f"), False),  # Zen 5 compresses fast
        (block("GenuineIntel", 6, "avx2 avx512f"), False),  # x86-simd-sort's own target
        ("", False),  # not Linux
    ],
)
def test_only_zen4_is_recognised(cpuinfo: str, expected: bool) -> None:
    assert cpu.is_zen4(cpuinfo) is expected


def test_the_avx512_groups_are_disabled_on_zen4_before_numpy_loads() -> None:
    environ: dict[str, str] = {}
    assert cpu.prefer_avx2_sort(environ, ZEN4, numpy_loaded=False)
    assert environ == {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}


@pytest.mark.parametrize(
    ("environ", "loaded"),
    [
        ({"NPY_DISABLE_CPU_FEATURES": ""}, False),  # the user's own choice, even empty
        ({"AXTUI_NUMPY_AVX512": "1"}, False),  # the user keeps numpy's choice
        ({}, True),  # too late: numpy has read its features already
    ],
)
def test_nothing_is_changed_over_the_user_or_after_numpy(environ: dict[str, str], loaded: bool) -> None:
    before = dict(environ)
    assert not cpu.prefer_avx2_sort(environ, ZEN4, numpy_loaded=loaded)
    assert environ == before


def _features_in_a_fresh_process(env: dict[str, str]) -> str:
    code = "import os, axtui.stats, numpy; print(os.environ.get('NPY_DISABLE_CPU_FEATURES', '-'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_fresh_process_on_this_machine() -> None:
    """End to end: what an axtui process decides here, and that the user's setting wins."""
    env = {k: v for k, v in os.environ.items() if k not in {"NPY_DISABLE_CPU_FEATURES", "AXTUI_NUMPY_AVX512"}}
    here = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    assert _features_in_a_fresh_process(env) == ("X86_V4 AVX512_ICL AVX512_SPR" if cpu.is_zen4(here) else "-")
    assert _features_in_a_fresh_process({**env, "NPY_DISABLE_CPU_FEATURES": "AVX512_SPR"}) == "AVX512_SPR"
