"""Terminal adaptation: settings file, key remaps, ASCII mode, low-bandwidth mode, serve."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from textual.strip import Strip

from otq.errors import ConfigError
from otq.settings import load_settings
from otq.tui.ascii import ascii_strip, locale_is_utf8, to_ascii
from otq.tui.keymap import binding_catalogue, effective_keymap, format_keymap
from otq.tui.serve import is_loopback, tui_command
from otq.tui.terminal import low_bandwidth_wanted, terminal_options
from otq.tui.widgets.queue_table import QueueTable, fit_cell


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def screen_text(app) -> str:
    """Everything on the current screen, as the terminal would receive it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


# ----------------------------------------------------------------- settings
def test_settings__missing_file_means_every_default(tmp_path):
    settings = load_settings(tmp_path / "nope.toml")
    assert (settings.theme, settings.keys, settings.low_bandwidth) == (None, {}, None)


def test_settings__every_field_read(tmp_path):
    path = write(tmp_path, 'theme = "otq-light"\nidle_lock_minutes = 15\nlow_bandwidth = true\n'
                 'ascii = false\n[keys]\n"queue.filter" = "slash,f"\n')
    s = load_settings(path)
    assert (s.theme, s.idle_lock_minutes, s.low_bandwidth, s.ascii) == ("otq-light", 15, True,
                                                                        False)
    assert s.keys == {"queue.filter": "slash,f"}


@pytest.mark.parametrize(("text", "key"), [
    ('colour = "red"\n', "colour: unknown setting"),
    ("idle_lock_minutes = -5\n", "idle_lock_minutes:"),
    ('idle_lock_minutes = "ten"\n', "idle_lock_minutes:"),
    ('low_bandwidth = "yes"\n', "low_bandwidth: must be true or false"),
    ("theme = 3\n", "theme:"),
    ('[keys]\n"queue.filter" = "ctrl + f"\n', "keys.queue.filter:"),
    ('[keys]\nfilter = "f"\n', "keys.filter: not a binding id"),
    ('keys = "j"\n', "keys: must be a table"),
])
def test_settings__bad_value_names_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in str(err.value) and key in str(err.value)


def test_settings__broken_toml_names_the_file(tmp_path):
    path = write(tmp_path, "theme = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_settings__unknown_theme_refused_naming_file_and_key(tmp_path, make_app):
    path = write(tmp_path, 'theme = "solarized"\n')
    with pytest.raises(ConfigError, match=r"settings.toml: theme: no theme called 'solarized'"):
        make_app(settings=load_settings(path))


def test_settings__theme_chosen_by_the_settings_file(tmp_path, make_app):
    app = make_app(settings=load_settings(write(tmp_path, 'theme = "otq-high-contrast"\n')))
    assert app.theme == "otq-high-contrast"


# ------------------------------------------------------------------- keymap
def test_keymap__catalogue_has_the_documented_ids():
    ids = binding_catalogue()
    for binding_id in ("table.cursor-down", "queue.filter", "app.help", "detail.back"):
        assert binding_id in ids
    assert ids["table.cursor-down"].keys == ("j", "down")


def test_keymap__unknown_binding_id_names_file_and_key(tmp_path, make_app):
    path = write(tmp_path, '[keys]\n"queue.fliter" = "f"\n')
    with pytest.raises(ConfigError, match=r"settings.toml: keys.queue.fliter: no binding"):
        make_app(settings=load_settings(path))


async def test_keymap__remapped_key_moves_the_cursor_and_old_key_does_not(tmp_path, make_app):
    path = write(tmp_path, '[keys]\n"table.cursor-down" = "n,down"\n')
    app = make_app(settings=load_settings(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n", "n")
        table = app.screen.query_one(QueueTable)
        assert table.cursor == 2
        await pilot.press("j")
        assert table.cursor == 2


def test_keymap__effective_keymap_marks_remaps():
    rows = {b.id: b for b in effective_keymap({"queue.filter": "slash,f"})}
    assert rows["queue.filter"].keys == ("slash", "f") and rows["queue.filter"].remapped
    assert not rows["app.help"].remapped
    text = format_keymap(list(rows.values()))
    assert "queue.filter" in text and "* remapped in your settings file" in text


# --------------------------------------------------------------------- ASCII
@pytest.mark.parametrize(("env", "utf8"), [
    ({"LANG": "en_US.UTF-8"}, True),
    ({"LANG": "de_DE.utf8"}, True),
    ({"LANG": "C"}, False),
    ({}, False),
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False),  # Python's own PEP 538 coercion
    ({"LC_CTYPE": "en_US.UTF-8"}, True),
    ({"LC_ALL": "en_US.ISO-8859-1", "LANG": "en_US.UTF-8"}, False),
])
def test_ascii__locale_detection(env, utf8):
    assert locale_is_utf8(env) is utf8


def test_ascii__flag_beats_setting_beats_locale():
    latin1 = {"LANG": "en_US.ISO-8859-1"}
    assert terminal_options(environ=latin1).ascii
    assert not terminal_options(ascii=False, environ=latin1).ascii
    assert terminal_options(ascii=True, environ={"LANG": "C.UTF-8"}).ascii
    assert not terminal_options(environ=latin1, detect_locale=False).ascii


def test_ascii__translation_keeps_every_cell():
    text = "\u250c\u2500\u2510\u2502a\u2026\u00b7\u23ce Jos\u00e9 \u2581\u2588 \u65e5"
    out = to_ascii(text)
    assert out.isascii()
    assert out == "+-+|a.-< Jose  # ??"  # scrollbar eighth blank, full block '#', CJK ??


def test_ascii__strip_keeps_styles_and_width():
    strip = Strip([Segment("\u2502 x \u2026", None)], 5)
    out = ascii_strip(strip)
    assert out.text == "| x ." and out.cell_length == 5


def test_ascii__truncated_cell_uses_three_dots():
    assert fit_cell("Fitzgerald, Siobhan", 10, ellipsis="...") == "Fitzger..."
    assert fit_cell("Fitzgerald", 3, ellipsis="...") == "Fit"


@pytest.mark.parametrize("keys", [["2"], ["3", "enter"], ["2", "j", "enter"],
                                  ["2", "question_mark"], ["ctrl+p"], ["2", "slash", *"medi"]],
                         ids=["queue", "detail", "coding", "help", "palette", "filter"])
async def test_ascii__no_non_ascii_glyph_on_any_screen(make_app, keys):
    app = make_app(ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        text = screen_text(app)
        assert text.isascii(), sorted({c for c in text if not c.isascii()})
        assert text.strip()


async def test_ascii__footer_names_the_enter_key(make_app):
    app = make_app(ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert "enter Open" in screen_text(app)


# ------------------------------------------------------------ low bandwidth
@pytest.mark.parametrize(("value", "on"), [("1", True), ("yes", True), ("0", False),
                                           ("", False)])
def test_low_bandwidth__environment_switch(value, on):
    assert low_bandwidth_wanted(environ={"OTQ_LOW_BANDWIDTH": value}) is on
    assert low_bandwidth_wanted(False, environ={"OTQ_LOW_BANDWIDTH": "1"}) is False
    assert low_bandwidth_wanted(environ={}, setting=True) is True


def test_low_bandwidth__sixteen_colours_and_ansi_theme(make_app, monkeypatch):
    monkeypatch.setenv("OTQ_LOW_BANDWIDTH", "1")
    app = make_app()
    assert app.low_bandwidth and app.theme == "otq-ansi"
    assert app.console.color_system == "standard"
    assert make_app(low_bandwidth=True, theme="otq-dark").theme == "otq-dark"


async def test_low_bandwidth__held_key_paints_once_when_it_stops(make_app):
    app = make_app(low_bandwidth=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        table = app.screen.query_one(QueueTable)
        table.move_to(1)  # first move after a pause paints at once
        assert table._pending is None
        table.move_to(2)  # the next, within 50 ms, is a held key: deferred
        table.move_to(3)
        assert table._pending == {1} and table.cursor == 3
        await pilot.pause(0.15)
        assert table._pending is None
        assert app.screen.query_one("#position").position == "4/4"


async def test_no_blinking_cursor_in_any_input(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.focused is not None and app.focused.cursor_blink is False


# --------------------------------------------------------------------- serve
@pytest.mark.parametrize(("host", "loop"), [("127.0.0.1", True), ("localhost", True),
                                            ("::1", True), ("0.0.0.0", False),
                                            ("192.168.1.5", False), ("example.org", False)])
def test_serve__loopback_detection(host, loop):
    assert is_loopback(host) is loop


def test_serve__command_quotes_the_store_path(tmp_path):
    command = tui_command(tmp_path / "my store.json", python="/usr/bin/python3")
    assert command.endswith(f"otq tui --store '{tmp_path / 'my store.json'}'")


def test_theme_option__unknown_theme_refused_naming_the_option(make_app):
    with pytest.raises(ConfigError, match=r"--theme: no theme called 'neon'"):
        make_app(theme="neon")
