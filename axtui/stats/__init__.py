"""Numbers and decisions, computed with polars and scipy; personas only explain them.

No Textual, no LLM imports here; scipy is imported inside the functions that use it.
"""
