"""``D`` with a scanned file, driven by keyboard: the copy lands under the store's folder with
the store file's permissions and group, named without patient data; a bad path records nothing."""

from __future__ import annotations

import os
import stat
from datetime import datetime

import pytest

from otq.domain.document import DocumentKind as K
from otq.services.documents import document_needs, documents_folder
from otq.tui.app import OtqApp
from otq.tui.screens.documents import DocumentScreen
from tests.integration.test_documents import _visits
from tests.unit.reports.builders import TODAY, base_records, d, make_session, put, uid

CLOCK = datetime(2026, 6, 30, 9, 41)


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # Scans are typed relative to the working folder, as a biller in the scan folder would:
    # a long absolute temp path typed key by key cost seconds per test.
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "practice"
    folder.mkdir(mode=0o770)
    return make_session(folder, base_records({"m": "medicare", "c": "commercial"})
                        + put("visits", *_visits()))


def _poc(session):
    return next(n for n in document_needs(session).values()
                if n.kind is K.PLAN_OF_CARE and n.patient_id == uid("m"))


async def _receive(session, need_id: str, reference: str, path: str, day: str = "") -> OtqApp:
    """D, then the date (Enter keeps today's, or ``day`` is typed over it), the reference
    and the scanned file's path, all by keyboard."""
    app = OtqApp(session, clock=lambda: CLOCK)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(DocumentScreen(need_id))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        if day:
            await pilot.press(*["backspace"] * 10, *day)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*reference, "enter")
        await pilot.pause()
        await pilot.press(*path, "enter")
        await pilot.pause()
        app.body_text = str(app.screen.query_one("#doc-body").render())
    return app


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o660])
async def test_d__scanned_copy_takes_the_store_files_mode_and_group(session, tmp_path, mode):
    os.chmod(session.store.path, mode)
    scan = tmp_path / "Smith John POC signed.pdf"
    scan.write_bytes(b"%PDF-1.4 signed plan of care")
    os.chmod(scan, 0o644)  # the scanner's own mode must not leak into the store folder
    need = _poc(session)
    app = await _receive(session, need.id, "fax 4411", scan.name)
    doc = document_needs(session)[need.id].document
    assert doc.received_on == TODAY and doc.reference == "fax 4411"
    copy = documents_folder(session) / doc.file_name
    assert copy.parent == session.store.path.parent / "documents"
    assert copy.read_bytes() == b"%PDF-1.4 signed plan of care"
    assert stat.S_IMODE(copy.stat().st_mode) == mode
    assert copy.stat().st_gid == session.store.path.stat().st_gid
    assert "Smith" not in doc.file_name and doc.file_name.endswith(".pdf")
    assert scan.exists()  # a copy, the original stays where the scanner put it
    assert f"documents/{doc.file_name}" in app.body_text


async def test_d__a_path_that_is_not_a_file_is_refused_and_nothing_is_recorded(session,
                                                                               tmp_path):
    need = _poc(session)
    app = await _receive(session, need.id, "fax 4411", "no such scan.pdf")
    assert document_needs(session)[need.id].document is None
    assert not documents_folder(session).exists()
    assert "is not a readable file" in app.body_text


async def test_d__empty_path_records_the_reference_without_a_copy(session):
    need = _poc(session)
    await _receive(session, need.id, "letter 77", "")
    doc = document_needs(session)[need.id].document
    assert doc.received and doc.file_name == "" and doc.reference == "letter 77"
    assert not documents_folder(session).exists()


async def test_d__a_second_scan_of_the_same_document_replaces_the_copy(session, tmp_path):
    need = _poc(session)
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    first.write_bytes(b"first")
    second.write_bytes(b"second, legible")
    await _receive(session, need.id, "fax 1", first.name)
    await _receive(session, need.id, "fax 2", second.name)
    doc = document_needs(session)[need.id].document
    files = [p.name for p in documents_folder(session).iterdir()]
    assert files == [doc.file_name]
    assert (documents_folder(session) / doc.file_name).read_bytes() == b"second, legible"


async def test_d__a_back_dated_receipt_keeps_the_date_typed(session, tmp_path):
    need = _poc(session)
    await _receive(session, need.id, "fax 12", "", day="2026-06-12")
    assert document_needs(session)[need.id].document.received_on == d("2026-06-12")


async def test_d__a_date_after_today_is_refused_in_the_dialog_and_nothing_is_recorded(session):
    need = _poc(session)
    app = OtqApp(session, clock=lambda: CLOCK)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(DocumentScreen(need.id))
        await pilot.pause()
        await pilot.press("D", *["backspace"] * 10, *"2026-07-02", "enter")
        await pilot.pause()
        hint = str(app.screen.query_one("#prompt-hint").render())
        assert "after today" in hint
        await pilot.press("escape")
    assert document_needs(session)[need.id].document is None
