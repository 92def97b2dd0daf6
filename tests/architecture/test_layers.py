"""The layering rules of architecture.md, checked on the source and in fresh interpreters."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "otq"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(under: str = "") -> list[Path]:
    return sorted((PKG / under).rglob("*.py"))


def test_layers__only_tui_imports_textual():
    offenders = [p for p in _modules() if "textual" in _imports(p) and "tui" not in p.parts]
    assert offenders == []


def test_layers__only_store_imports_tinydb():
    offenders = [p for p in _modules() if "tinydb" in _imports(p) and "store" not in p.parts]
    assert offenders == []


@pytest.mark.parametrize("package", ["domain", "scrubber"])
def test_layers__pure_core_never_asks_the_clock(package):
    bad = []
    for path in _modules(package):
        text = path.read_text(encoding="utf-8")
        for call in ("pendulum.now(", "pendulum.today(", "datetime.now(", "date.today(",
                     "time.time("):
            if call in text:
                bad.append(f"{path.name}: {call}")
    assert bad == []


@pytest.mark.parametrize("package", ["domain", "scrubber"])
def test_layers__pure_core_does_not_import_io_layers(package):
    banned = {"otq.store", "otq.services", "otq.tui", "otq.cli", "otq.importers", "otq.x12"}
    bad = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if any(node.module == b or node.module.startswith(b + ".") for b in banned):
                    bad.append(f"{path.name}: {node.module}")
    assert bad == []


@pytest.mark.parametrize("module", [
    "otq.domain", "otq.store", "otq.services.queues", "otq.services.details", "otq.cli",
    "otq.scrubber",
])
def test_layers__core_modules_do_not_load_textual(module):
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
