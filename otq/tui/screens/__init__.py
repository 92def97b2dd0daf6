"""Screens of the otq TUI: one generic queue screen, item detail and help."""
