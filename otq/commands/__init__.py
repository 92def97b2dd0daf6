"""Extra ``otq`` subcommands, one module per area (team work, reports, claims...).

Each module defines ``register(sub, add)`` where ``sub`` is the argparse subparsers
object and ``add(name, handler, help)`` adds a top-level command the way ``otq.cli``
does. Modules are found automatically, so an area adds commands without editing
``otq/cli.py``. Keep module imports cheap: import services inside the handlers, and
never import Textual here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any


def register_all(sub: Any, add: Callable[..., Any]) -> None:
    """Let every command module add its subcommands, in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub, add)
