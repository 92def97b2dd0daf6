"""Yearly archive files: closed work kept out of the hot store but still searchable.

A store ``clinic.json`` keeps paid and written-off work in ``clinic.json.archive-2024.json``
and so on, one file per year of service. The hot store (and so every queue, every refresh
and every commit) never loads them; ``otq search`` scans them.

The format is JSON Lines, chosen so that a search can scan a file of a million records
without parsing it: the first line is a header, each further line one record::

    {"otq_archive": 1, "year": 2024, "records": 2}
    {"p":"<patient id>","t":"claims","id":"<record id>","r":{...the store record...}}

``p`` comes first on purpose: a scan for a set of patients reads the id at a fixed offset
of each line and parses only the lines that match. Files are written whole to a temp file,
fsync'd, renamed over the old one and the folder fsync'd, with the store's mode and group,
so a crash leaves the old archive or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from otq.errors import StoreCorruptError, StoreWriteError
from otq.store.storage import install

FORMAT = 1
_PREFIX = b'{"p":"'
_NAME = re.compile(r"\.archive-(\d{4})\.json$")


class ArchiveEntry(NamedTuple):
    """One archived store record: its table, id, the patient it belongs to, and the record."""

    table: str
    id: str
    patient_id: str
    record: dict[str, Any]


def archive_path(store_path: Path | str, year: int) -> Path:
    """The archive file of ``year`` beside the store at ``store_path``."""
    p = Path(store_path)
    return p.with_name(f"{p.name}.archive-{year:04d}.json")


def archive_files(store_path: Path | str) -> dict[int, Path]:
    """Every archive file of a store, by year (oldest first)."""
    p = Path(store_path)
    found = {}
    for f in p.parent.glob(f"{p.name}.archive-*.json"):
        m = _NAME.search(f.name)
        if m and f.name == f"{p.name}.archive-{m.group(1)}.json":
            found[int(m.group(1))] = f
    return dict(sorted(found.items()))


def _line(entry: ArchiveEntry) -> bytes:
    return orjson.dumps({"p": entry.patient_id, "t": entry.table, "id": entry.id,
                         "r": entry.record}) + b"\n"


def _parse(path: Path, number: int, raw: bytes) -> ArchiveEntry:
    try:
        d = orjson.loads(raw)
        return ArchiveEntry(d["t"], d["id"], d["p"], d["r"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise StoreCorruptError(f"{path}: line {number} is not an archive record; the file "
                                "was not changed") from None


def read_archive(path: Path) -> Iterator[ArchiveEntry]:
    """Every record of one archive file, in file order (streamed, not loaded whole)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        return
    with fh:
        header = fh.readline()
        _check_header(path, header)
        for n, raw in enumerate(fh, start=2):
            if raw.strip():
                yield _parse(path, n, raw)


def _check_header(path: Path, header: bytes) -> None:
    try:
        h = orjson.loads(header)
    except orjson.JSONDecodeError:
        h = None
    if not isinstance(h, dict) or h.get("otq_archive") != FORMAT:
        raise StoreCorruptError(f"{path} is not an otq archive (line 1); it was not changed")


def write_archive(path: Path, year: int, entries: Iterable[ArchiveEntry], *,
                  like: Path | None = None) -> int:
    """Write an archive file atomically (temp, fsync, rename, fsync folder); returns records.

    The new file takes the mode and group of ``like`` (the store), so an archive is exactly
    as private as the store it came from.
    """
    folder = path.parent
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        count = 0
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            # The header is rewritten at the end with the count; reserve a fixed width.
            out.write(_header(year, 0))
            for entry in entries:
                out.write(_line(entry))
                count += 1
            out.flush()
            os.pwrite(out.fileno(), _header(year, count), 0)
            _copy_permissions(out.fileno(), like)
            os.fsync(out.fileno())
        install(tmp_name, path)  # rename, then fsync the folder
        tmp_name = None
        return count
    except OSError as exc:
        raise StoreWriteError(f"could not write the archive {path}: "
                              f"{exc.strerror or exc}. The archive was not changed.") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _header(year: int, count: int) -> bytes:
    return orjson.dumps({"otq_archive": FORMAT, "year": year, "records": f"{count:012d}"}) + b"\n"


def _copy_permissions(fd: int, like: Path | None) -> None:
    try:
        st = os.stat(like) if like is not None else None
    except OSError:
        st = None
    if st is None:
        os.fchmod(fd, 0o660)
        return
    os.fchmod(fd, st.st_mode & 0o7777)
    with contextlib.suppress(PermissionError):
        os.fchown(fd, -1, st.st_gid)


def merge_into_archive(path: Path, year: int, new: Iterable[ArchiveEntry], *,
                       like: Path | None = None) -> int:
    """Add ``new`` records to an archive file (a record already there is replaced by id)."""
    incoming = {(e.table, e.id): e for e in new}

    def entries() -> Iterator[ArchiveEntry]:
        for e in read_archive(path):
            if (e.table, e.id) not in incoming:
                yield e
        yield from incoming.values()

    return write_archive(path, year, entries(), like=like)


def scan_archive(path: Path, *, needles: Iterable[str] = (),
                 patient_ids: Iterable[str] = ()) -> Iterator[ArchiveEntry]:
    """Records of one archive that contain any of ``needles`` (exact text such as a claim
    number or record id) or belong to any of ``patient_ids``. Only matching lines are parsed.
    """
    pids = {p.encode() for p in patient_ids}
    keys = [n.encode() for n in needles if n]
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        return
    with fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        _check_header(path, fh.readline())
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            starts: set[int] = set()
            for key in keys:  # a whole-file find per needle: C speed, no per-line loop
                pos = mm.find(key)
                while pos != -1:
                    starts.add(mm.rfind(b"\n", 0, pos) + 1)
                    pos = mm.find(key, pos + 1)
            if pids:
                starts |= _lines_of_patients(mm, pids)
            for start in sorted(starts):
                if start == 0:
                    continue  # the header
                end = mm.find(b"\n", start)
                yield _parse(path, 0, mm[start:end if end != -1 else len(mm)])


def _lines_of_patients(mm: mmap.mmap, pids: set[bytes]) -> set[int]:
    """Offsets of the lines whose patient id (read at its fixed place) is in ``pids``."""
    out: set[int] = set()
    skip = len(_PREFIX)
    pos = 0
    for line in iter(mm.readline, b""):  # readline on an mmap runs in C
        if line.startswith(_PREFIX) and line[skip:line.find(b'"', skip)] in pids:
            out.add(pos)
        pos += len(line)
    return out
