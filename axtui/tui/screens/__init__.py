"""Screens of the axtui app."""
