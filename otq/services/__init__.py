"""The services layer: the only way data changes. The TUI and CLI call these functions."""
