"""``otq serve``: the TUI in a web browser, through textual-serve.

Each browser tab that connects starts its own ``otq tui`` process on the server, as
the OS user who started ``otq serve`` (so every change a browser user makes is audited
under that account and checked against that account's role). The server binds to
loopback by default: reach it from another machine through an SSH tunnel
(``ssh -L 8000:127.0.0.1:8000 host`` and open http://127.0.0.1:8000), so PHI only ever
crosses the network inside SSH. Binding elsewhere is allowed but warned about, because
textual-serve speaks plain HTTP.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path

from otq.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tui_command(store: Path, *, ascii: bool = False, low_bandwidth: bool = False,
                python: str | None = None) -> str:
    """The shell command each browser session runs: this Python's ``otq tui``."""
    argv = [python or sys.executable, "-m", "otq", "tui", "--store", str(store)]
    if ascii:
        argv.append("--ascii")
    if low_bandwidth:
        argv.append("--low-bandwidth")
    return shlex.join(argv)


def check_port(port: int) -> None:
    """A ConfigError for a port outside 1-65535."""
    if not 0 < port < 65536:
        raise ConfigError(f"--port: {port} is not a TCP port (1-65535)")


def serve(store: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          command: str | None = None) -> None:
    """Serve otq on ``host:port`` until interrupted (Ctrl+C).

    ``command`` overrides the per-session command (tests use it); by default it is
    ``otq tui --store STORE`` with this interpreter.
    """
    from textual_serve.server import Server  # lazy: only `otq serve` needs aiohttp

    check_port(port)
    if not store.exists():
        raise ConfigError(f"--store: {store} does not exist (create it with otq init)")
    if not is_loopback(host):
        print(f"otq: warning: serving on {host} sends screens (PHI) unencrypted over the "
              "network; prefer the default 127.0.0.1 and an SSH tunnel", file=sys.stderr)
    server = Server(command or tui_command(store.resolve()), host=host, port=port,
                    title="otq")
    server.serve()
