"""The README is the front door: its generated parts and its two commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

from otq.services.scrub_report import rules_markdown

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme__rules_table_matches_the_registry():
    block = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", README, re.S)
    assert block, "README lost its rules markers"
    assert block.group(1).strip() == rules_markdown().strip()


def test_readme__ci_runs_the_readme_test_command_verbatim():
    commands = re.findall(r"```sh\n(.*?)\n```", README)
    test_cmd = next(c for c in commands if c.endswith("pytest"))
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme__screenshot_is_a_committed_snapshot():
    (path,) = re.findall(r"!\[[^\]]*\]\(<?([^)>]+\.svg)>?\)", README)
    assert (ROOT / path).is_file()
