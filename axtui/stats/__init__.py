"""Numbers and decisions, computed with polars and scipy; personas only explain them.

No Textual, no LLM imports here; scipy is imported inside the functions that use it.
"""

from axtui.stats.cpu import prefer_avx2_sort

prefer_avx2_sort()  # before any module here imports numpy (numpy reads it once): stats/cpu.py
