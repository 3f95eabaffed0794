"""Widgets of the axtui app."""
