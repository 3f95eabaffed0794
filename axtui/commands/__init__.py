"""Typer sub-apps, one module per command group; each is a thin layer over ``core``/``stats``."""
