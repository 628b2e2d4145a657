"""Pilot tests: the inspector says what `init` would say, keeps what it had, shows what it knows."""
from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from wizerscope.tui.app import WizerscopeApp
from wizerscope.tui.screens.dialogs import CrashScreen, ErrorScreen
from wizerscope.tui.widgets.hexdiff import GROWN, HexDiffView

from tests.helpers import pilot as scripted
from tests.helpers.inspector_wat import COUNTER, write
from tests.helpers.truth_wat import BAD_WAT, COMMAND, GROWS, TABLE_SETS
from tests.tui.test_tui import active, opened


def _plain(app) -> str:
    """Everything the Rejections tab shows, as plain text (panels printed by a wide console)."""
    from rich.console import Console
    console = Console(width=200, no_color=True, file=None, record=True)
    for w in app.query_one("#rejections").query(Static):
        console.print(w.content)
    return console.export_text()


async def test_command_module_without_the_default_export(tmp_path):
    async with opened(write(tmp_path, "cmd.wat", COMMAND)) as (app, pilot):
        assert app.query_one("#opt-init-func", Input).value == "wizer-initialize"   # not `_start`
        assert active(app) == "tab-rejections"                   # init would stop: shown at once
        text = _plain(app)
        assert "No rejections" not in text and "does not have a `wizer-initialize` export" in text
        assert "candidates: `_start`, `setup`" in text
        assert "wizer-initialize" in str(app.query_one("#init-note").render())
        await pilot.press("4")
        app.query_one("#opt-init-func", Input).value = "_start"
        await pilot.pause()
        text = _plain(app)
        assert "no `_start`" in text and "_start=EXPORT" in text
        assert "no `_start`" in str(app.query_one("#init-note").render())


async def test_identical_sites_are_one_card(tmp_path):
    async with opened(write(tmp_path, "sets.wat", TABLE_SETS)) as (app, pilot):
        assert len(app.query_one("#rejections").query(".rejection")) == 1
        assert "sites (3)" in _plain(app)


async def test_failed_open_keeps_the_previous_file(tmp_path):
    bad = write(tmp_path, "bad.wat", BAD_WAT)
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        session, outcome, title = app.session, app.outcome, app.sub_title
        app.load(bad)
        await scripted.settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.session is session and app.outcome is outcome and app.sub_title == title
        assert "counter.wat stays open" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorScreen) and "counter.wat" in app.sub_title


async def test_an_input_that_fails_to_load_shows_the_whole_diagnostic(tmp_path):
    bad = write(tmp_path, "bad.wat", BAD_WAT)
    async with opened(bad) as (app, pilot):
        assert isinstance(app.screen, ErrorScreen)
        lines = app.screen.lines
        assert len(lines) > 2 and "<anon>" not in "\n".join(lines)
        assert any("bad.wat" in line for line in lines[1:])        # the assembler's lines name the file
        assert any(line.strip().startswith("|") or "^" in line for line in lines)     # kept as lines
        assert "could not open bad.wat" in app.sub_title


async def test_grown_memory_is_marked_grown_before_init(tmp_path):
    async with opened(write(tmp_path, "grows.wat", GROWS), size=(160, 48)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        view = app.query_one(HexDiffView)
        assert view.diff.before.length == 65536 and view.diff.after.length == 131072
        view.go_to(65540)
        await pilot.pause()
        strip = view._render_row(65540 // 16, -1)
        text = "".join(seg.text for seg in strip)
        assert GROWN in text and text.count(GROWN) == 16
        assert "grown during init" in str(app.query_one("#hex-status").render())
        below = "".join(seg.text for seg in view._render_row(10, -1))
        assert GROWN not in below


async def test_an_internal_error_shows_the_crash_screen_and_exits_1(tmp_path):
    app = WizerscopeApp(write(tmp_path, "counter.wat", COUNTER))

    def broken() -> None:
        raise RuntimeError("a bug of ours")
    app.action_help = broken
    with pytest.raises(RuntimeError, match="a bug of ours"):
        async with app.run_test(size=(100, 30)) as pilot:
            await scripted.settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, CrashScreen)
            assert "a bug of ours" in str(app.screen.query_one("#crash-text").render())
            await pilot.press("q")
            await pilot.pause()
    assert app.return_code == 1 and app.crashed is not None
