"""A team's store stays usable by the whole group whatever the creator's umask.

Under a umask of 022 a lock file or audit log created 0644 would lock every other
biller of the group out ("cannot open the lock file: permission denied"), and under 002
the PHI would be world-readable. Every file otq makes beside the store is 0660.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def test_generate_under_umask_022__every_store_file_is_owner_and_group_read_write(tmp_path):
    store = tmp_path / "team" / "store.json"
    store.parent.mkdir()
    code = "import os, sys; os.umask(0o022); from otq.cli import main; sys.exit(main(sys.argv[1:]))"
    subprocess.run([sys.executable, "-c", code, "generate", "--store", str(store),
                    "--visits", "120", "--seed", "2"], check=True, capture_output=True)
    made = sorted(p for p in store.parent.iterdir() if p.is_file())
    assert {p.name for p in made} >= {"store.json", "store.json.lock", "store.json.audit.jsonl",
                                      "store.json.journal"}
    modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in made}
    assert modes == {name: 0o660 for name in modes}
