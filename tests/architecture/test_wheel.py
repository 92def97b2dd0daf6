"""queues/ and themes/ live outside the package but must work from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel__bundles_queues_and_themes_and_loads_them_when_installed(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("otq-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("otq/_bundled/queues/") and n.endswith(".toml") for n in names)
    assert any(n.startswith("otq/_bundled/themes/") and n.endswith(".toml") for n in names)

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    code = ("import otq.paths as p, otq.queue_defs as q; "
            "d = p.bundled_dir('queues'); t = p.bundled_dir('themes'); "
            "print(d); print(t); print(len(q.load_queue_specs()))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=tmp_path)
    queues_dir, themes_dir, count = out.stdout.split()
    assert queues_dir.startswith(str(target)) and themes_dir.startswith(str(target))
    assert int(count) == len(list((ROOT / "queues").glob("*.toml")))
