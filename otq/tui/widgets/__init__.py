"""Widgets of the otq TUI: the queue table, the tabs line and the status line."""
