"""The pure parts of the TUI: column fitting, cells, tab labels, paths, themes, crashes."""

from __future__ import annotations

import pytest
from builders import uid
from rich.cells import cell_len

from otq.errors import ConfigError
from otq.queue_defs import ColumnSpec, load_queue_specs
from otq.services.queues import QueueRow
from otq.tui.screens.queue import QueueScreen
from otq.tui.theming import MONO_THEME, load_theme_file, load_themes, pick_theme
from otq.tui.widgets.queue_switcher import tab_labels
from otq.tui.widgets.queue_table import QueueTable, fit_cell, fit_columns
from otq.tui.widgets.status_bar import shorten_path


def _cols(*spec: tuple[str, int, int]) -> list[ColumnSpec]:
    return [ColumnSpec(id=i, title=i, width=w, priority=p) for i, w, p in spec]


def test_fit_columns__drops_highest_priority_number_first():
    cols = _cols(("a", 10, 1), ("b", 10, 3), ("c", 10, 2), ("d", 10, 1))
    assert [i for i, _ in fit_columns(cols, 43)] == [0, 1, 2, 3]
    assert [i for i, _ in fit_columns(cols, 42)] == [0, 2, 3]  # b (priority 3) goes first
    assert [i for i, _ in fit_columns(cols, 31)] == [0, 3]


def test_fit_columns__never_drops_priority_one_but_narrows_the_last():
    cols = _cols(("a", 10, 1), ("b", 10, 1))
    assert fit_columns(cols, 15) == [(0, 10), (1, 4)]


def test_fit_columns__spare_width_goes_to_name_like_columns():
    cols = [ColumnSpec("dos", "DOS", 10), ColumnSpec("patient", "Patient", 18),
            ColumnSpec("n", "N", 3, align="right")]
    fitted = dict(fit_columns(cols, 60))
    assert fitted == {0: 10, 1: 18 + 60 - 33, 2: 3}


def test_fit_columns__every_shipped_queue_fits_80_columns_with_its_priority_one_columns():
    for spec in load_queue_specs():
        fitted = fit_columns(spec.columns, 80)
        kept = {spec.columns[i].id for i, _ in fitted}
        assert {c.id for c in spec.columns if c.priority == 1} <= kept, spec.id
        assert sum(w for _, w in fitted) + len(fitted) - 1 <= 80
        assert all(w >= spec.columns[i].width for i, w in fitted), spec.id  # nothing cut


def test_fit_cell__truncates_with_ellipsis_pads_and_aligns():
    assert fit_cell("FITZGERALD, Siobhan", 10) == "FITZGERAL\u2026"
    assert fit_cell("12", 4, "right") == "  12"
    assert fit_cell("ab", 4) == "ab  "
    assert cell_len(fit_cell("\u5f20\u4f1f\u5f20\u4f1f", 5)) == 5  # wide characters


def test_tab_labels__fall_back_to_short_names_then_counts():
    specs = load_queue_specs()
    counts = {s.id: 1234 for s in specs}
    wide = tab_labels(specs, counts, 160)
    assert wide[0] == " 1 Pending eligibility 1234 "
    assert tab_labels(specs, counts, 80)[0] == " 1 Elig 1234 "
    assert tab_labels(specs, counts, 70)[0] == " 1 Elig 1234"  # short titles, no padding
    assert tab_labels(specs, counts, 40)[0] == " 1:1234 "


def test_shorten_path__uses_tilde_and_keeps_folder_and_file(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert shorten_path(tmp_path / "otq.json") == "~/otq.json"
    assert shorten_path("/srv/billing/shared/very/deep/folder/practice/otq.json") == \
        "\u2026/practice/otq.json"


def test_themes__shipped_files_load_and_mono_is_picked_under_no_color():
    names = [t.name for t in load_themes()]
    assert {"otq-dark", "otq-light", "otq-mono"} <= set(names)
    assert pick_theme(names, no_color=True, requested="otq-light") == MONO_THEME
    assert pick_theme(names, no_color=False, requested="otq-light") == "otq-light"
    assert pick_theme(names, no_color=False, requested="nope") == "otq-dark"


def test_themes__bad_file_names_file_and_key(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('name = "mine"\nprimary = 3\nsparkle = "yes"\n')
    with pytest.raises(ConfigError) as err:
        load_theme_file(bad)
    assert "mine.toml: primary" in str(err.value)
    assert "mine.toml: sparkle: unknown theme field" in str(err.value)


def test_tcss__colours_come_only_from_theme_variables():
    import re
    from pathlib import Path

    import otq.tui

    colour_props = re.compile(r"^\s*(color|background|border[a-z-]*|scrollbar[a-z-]*color)\s*:\s*(.+?);",
                              re.M)
    files = list((Path(otq.tui.__file__).parent / "styles").glob("*.tcss"))
    assert files
    for css in files:
        for prop, value in colour_props.findall(css.read_text()):
            # Border kinds and alpha percentages are not colours.
            parts = [p for p in value.split() if p not in ("none", "hidden", "heavy", "round",
                                                           "solid", "tall", "wide")
                     and not p.endswith("%")]
            assert all(p.startswith("$") for p in parts), (css.name, prop, value)


def _rows(n: int) -> list[QueueRow]:
    return [QueueRow("visit", f"id{i}", (f"2026-01-{i % 28 + 1:02d}", f"PATIENT {i}", "medicare",
                                          "1", "UNITS-TIMED", "Lopez", "3", ""),
                     (), "", {}, "") for i in range(n)]


async def test_table__page_down_jumps_a_whole_page_and_keeps_cursor_in_view(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        table.set_rows(_rows(5000))
        await pilot.pause()
        page = table.page_height
        assert page == 20  # 24 lines less tabs, header, status and footer
        await pilot.press("pagedown")
        await pilot.pause()
        assert (table.cursor, table.scroll_offset.y) == (page, page)
        await pilot.press("k")
        await pilot.pause()
        assert (table.cursor, table.scroll_offset.y) == (page - 1, 0)
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor == 4999 and table.scroll_offset.y == (4999 // page) * page
        line = "".join(s.text for s in table.render_line(4999 - table.scroll_offset.y + 1))
        assert "PATIENT 4999" in line


async def test_table__moving_in_a_page_repaints_only_two_lines(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        table.set_rows(_rows(100))
        await pilot.pause()
        rendered: list[int] = []
        original = table.render_line

        def spy(y):
            rendered.append(y)
            return original(y)

        table.render_line = spy
        await pilot.press("j")
        await pilot.pause()
        assert sorted(set(rendered)) == [1, 2]


async def test_table__100k_rows_set_and_page_down_twenty_pages(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        rows = _rows(100_000)
        table.set_rows(rows)
        await pilot.pause()
        for _ in range(20):
            await pilot.press("pagedown")
        assert table.cursor == 20 * table.page_height


async def test_crash__prints_one_line_and_no_record_contents(make_app, monkeypatch, capfd):
    def boom(self, *args):
        patient = "ALVAREZ, Rosa 1948-05-14"  # a local a stock traceback would print
        raise KeyError(patient[:0] or "x")

    monkeypatch.setattr(QueueScreen, "action_filter", boom)
    app = make_app()
    with pytest.raises(KeyError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("slash")
            await pilot.pause()
    out = capfd.readouterr()
    text = out.out + out.err
    assert "ALVAREZ" not in text and "1948" not in text
    assert app.return_code == 1
    logs = list((app.session.store.path.parent / "state" / "otq").glob("crash-*.log"))
    assert len(logs) == 1
    report = logs[0].read_text()
    assert "KeyError" in report and "ALVAREZ" not in report and "boom" in report


def test_uid_is_stable():
    assert uid("p1") == uid("p1")
