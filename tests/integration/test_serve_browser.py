"""``otq serve`` in a real browser: headless Chromium loads the page, keys reach the TUI.

Needs Debian's ``chromium`` package (``apt-get install chromium``); skipped with that
reason when it is not installed. The browser is driven over the DevTools protocol with
aiohttp (a textual-serve dependency). xterm.js draws on a canvas, so the test reads the
terminal stream the page receives over its websocket and checks the queue titles there,
and saves a screenshot of the page for a human to look at.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from otq.queue_defs import load_queue_specs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless browser test needs Debian's chromium package "
    "(apt-get install chromium)")
aiohttp = pytest.importorskip("aiohttp", reason="textual-serve (and aiohttp) not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class DevTools:
    """The few DevTools protocol calls the test needs, on one page."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.next_id = 0
        self.frames: list[bytes] = []

    async def call(self, method: str, **params):
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send_json({"id": my_id, "method": method, "params": params})
        while True:
            msg = await self.ws.receive_json(timeout=30)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg: dict) -> None:
        if msg.get("method") == "Network.webSocketFrameReceived":
            response = msg["params"]["response"]
            data = response["payloadData"]
            self.frames.append(base64.b64decode(data) if response.get("opcode") == 2
                               else data.encode())

    async def pump(self, seconds: float) -> None:
        """Collect events (terminal output frames) for ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                self._event(await self.ws.receive_json(timeout=left))
            except TimeoutError:
                return

    def text(self) -> str:
        return b"".join(self.frames).decode("utf-8", "replace")

    async def press(self, key: str) -> None:
        await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=key)


@pytest.fixture
def served_store(tmp_path: Path):
    """A generated practice served by ``otq serve`` on a free loopback port."""
    store = tmp_path / "practice.json"
    subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(store),
                    "--visits", "150", "--seed", "7", "--today", "2026-03-02"],
                   check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "otq", "serve", "--store", str(store),
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: _port_open(port) or server.poll() is not None, 30, "otq serve")
        assert server.poll() is None, server.stderr.read().decode()
        yield port
    finally:
        server.terminate()
        server.wait(10)


async def _drive(port: int, profile: Path, shot: Path) -> tuple[str, str]:
    browser = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--window-size=1280,800", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        active = profile / "DevToolsActivePort"
        _wait_for(lambda: active.exists() and active.read_text().strip(), 30, "chromium")
        devtools_port = int(active.read_text().split()[0])
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{devtools_port}/json/list") as r:
                pages = [p for p in json.loads(await r.text()) if p.get("type") == "page"]
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                dt = DevTools(ws)
                await dt.call("Network.enable")
                await dt.call("Page.enable")
                await dt.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
                end = time.monotonic() + 40
                # The first paint comes before the store has opened behind it (keys that
                # need rows wait for that), so wait for both.
                while (("Pending eligibility" not in dt.text() or "store opened" not in dt.text())
                       and time.monotonic() < end):
                    await dt.pump(0.5)
                first = dt.text()
                await dt.call("Input.dispatchMouseEvent", type="mousePressed", x=640, y=400,
                              button="left", clickCount=1)
                await dt.call("Input.dispatchMouseEvent", type="mouseReleased", x=640, y=400,
                              button="left", clickCount=1)
                dt.frames.clear()
                for key in ("2", "j", "j"):
                    await dt.press(key)
                    await dt.pump(0.7)
                after = dt.text()
                png = await dt.call("Page.captureScreenshot", format="png")
                shot.write_bytes(base64.b64decode(png["data"]))
                return first, after
    finally:
        browser.terminate()
        browser.wait(10)


def test_serve__chromium_shows_every_queue_title_and_keys_move_the_cursor(served_store,
                                                                         tmp_path):
    """The page gets the queue tabs with full titles; '2' then 'j j' moves to row 3."""
    shot = tmp_path / "otq-in-chromium.png"
    first, after = asyncio.run(_drive(served_store, tmp_path / "chromium", shot))
    for spec in load_queue_specs():
        assert spec.title in first, f"queue title {spec.title!r} not in the page"
    assert "3/" in after, "keys pressed in the browser did not move the cursor"
    assert shot.stat().st_size > 5_000  # a real picture, not an empty page
