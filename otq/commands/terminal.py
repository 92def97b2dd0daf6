"""``otq keys`` (the effective keymap) and ``otq serve`` (the TUI in a browser).

Both import Textual only inside their handlers, so other commands stay fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_keys(args: argparse.Namespace) -> int:
    """Print every binding id, its keys after the user's remaps, and what it does."""
    from otq.settings import load_settings
    from otq.tui.keymap import check_keymap, effective_keymap, format_keymap

    settings = load_settings(args.settings)
    check_keymap(settings.keys, settings.path)
    print(format_keymap(effective_keymap(settings.keys)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the TUI over HTTP (loopback by default) until Ctrl+C."""
    from otq.paths import default_store_path
    from otq.tui.serve import serve

    serve(args.store or default_store_path(), host=args.host, port=args.port)
    return 0


def register(sub: Any, add: Any) -> None:
    """Add ``otq keys`` and ``otq serve``."""
    from otq.tui.serve import DEFAULT_HOST, DEFAULT_PORT  # no Textual import: plain module

    p = add("keys", cmd_keys, "print the effective keymap (binding ids, keys, remaps)")
    p.add_argument("--settings", type=Path, help="settings file (default: the user's)")
    p = add("serve", cmd_serve, "serve the TUI to a web browser (loopback by default)")
    p.add_argument("--store", type=Path, help="store file (default: $OTQ_STORE or "
                   "~/.local/share/otq/store.json)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to bind (default 127.0.0.1; reach it through an SSH tunnel)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (default 8000)")
