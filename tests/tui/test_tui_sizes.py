"""Pilot tests: every screen works at 80x24 and uses the room at 200x60; the keys, the run's
steps and history, the determinism result, go-to, segments, the form's options, Open's completion."""
from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Label

from wizerscope.tui.keys import TABS
from wizerscope.tui.widgets.lazytable import LazyTable
from wizerscope.tui.navigation import parse_offset
from wizerscope.tui.screens.dialogs import InputDialog, complete_path
from wizerscope.tui.screens.help import help_markdown
from wizerscope.tui.widgets.hexdiff import HexDiffView, fit_per_line, line_width

from tests.helpers import pilot as scripted
from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import COUNTER, RANDOM, TWICE, write
from tests.tui.test_tui import opened


def _footer(app) -> list[str]:
    from textual.widgets._footer import FooterKey
    return [f"{k.key_display} {k.description}" for k in app.screen.query(FooterKey)]


async def test_80x24_tab_bar_footer_and_hex(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER), size=(80, 24)) as (app, pilot):
        tabs = app.query_one("#tabs")
        labels = [str(tabs.get_tab(f"tab-{n}").label) for n in TABS]
        assert labels[0] == "1 Tree" and sum(len(label) + 2 for label in labels) <= 80
        keys = _footer(app)
        assert keys[:2] == ["? Help", "q Quit"] and "x Cancel" not in keys and "w Write" not in keys
        await pilot.press("r")
        await scripted.settle(pilot)
        assert "w Write" in _footer(app) and "n Next" in _footer(app)     # on the Diff tab
        view = app.query_one(HexDiffView)
        assert view.show_before and view.per_line == 8                      # 80 columns: 8 with "before"
        assert line_width(view.per_line, True) <= view.size.width
        await pilot.press("b")
        assert not view.show_before and view.per_line == 16
        assert "before" not in str(app.query_one("#hex-header").render())
        for i in range(len(TABS)):                     # every tab shows something at 80x24
            await pilot.press(str(i + 1))
            await pilot.pause()
            assert app.query_one("#tabs").active == f"tab-{TABS[i]}"


async def test_200x60_uses_the_room(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER), size=(200, 60)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        view = app.query_one(HexDiffView)
        assert view.per_line == 24 and view.show_before
        assert str(app.query_one("#tabs").get_tab("tab-structure").label) == "1 Structure"
        assert app.screen.has_class("-wide")


def test_bytes_per_line_follow_the_width():
    assert [fit_per_line(w, True) for w in (60, 78, 126, 182, 240)] == [4, 8, 16, 24, 32]
    assert fit_per_line(78, False) == 16


async def test_the_row_detail_shows_a_whole_reason(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER), size=(80, 24)) as (app, pilot):
        await pilot.press("4")
        table = app.query_one("#candidates", DataTable)
        table.focus()
        table.move_cursor(row=2)                          # square: a long "why not"
        await pilot.pause()
        detail = str(app.query_one("#row-detail").render())
        assert "takes parameters: init is called without arguments" in detail


async def test_live_steps_breakdown_and_history(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        steps = str(app.query_one("#run-steps", Label).render())
        for step in ("check", "compile", "init", "rewrite", "validate", "total"):
            assert step in steps
        assert f"compile (module; {app.outcome.init.compile_detail()})" in steps     # what compiled it, by what
        assert app.outcome.init.compile_detail().startswith(app.outcome.init.compiler)
        app.query_one("#opt-timeout", Input).value = "30"
        await pilot.press("r")
        await scripted.settle(pilot)
        assert "code reused from an earlier run" in str(app.query_one("#run-steps", Label).render())
        history = app.query_one("#run-history", DataTable)
        assert history.row_count == 2 == len(app.session.history)
        assert "timeout=30s" in str(history.get_row_at(1)[2]) and str(history.get_row_at(0)[2]) == "defaults"


async def test_compile_step_names_a_components_core_instances(tmp_path):
    async with opened(write(tmp_path, "twice.wat", TWICE)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        assert app.outcome.ok
        assert "compile (component, 3 core instances; " in str(app.query_one("#run-steps", Label).render())


async def test_form_offers_every_option_and_names_its_fields(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        for field in ("preloads", "fuel", "max-memory", "inherit-env", "deterministic", "seed"):
            assert app.query_one(f"#opt-{field}")
        app.query_one("#opt-fuel", Input).value = "lots"
        await pilot.press("r")
        await pilot.pause()
        assert not app.running
        message = [n.message for n in app._notifications][-1]
        assert "`fuel`" in message and "-W" not in message
        app.query_one("#opt-fuel", Input).value = "1000000"
        app.query_one("#opt-max-memory", Input).value = "131072"
        await pilot.press("r")
        await scripted.settle(pilot)
        assert app.outcome.ok and app.session.options.fuel == 1000000 and app.session.options.max_memory == 131072
        app.query_one("#opt-inherit-env").value = True
        await pilot.press("r")
        await pilot.pause()
        assert "WASI during init" in [n.message for n in app._notifications][-1]


async def test_determinism_progress_and_result_rows_jump_to_diff(tmp_path):
    async with opened(write(tmp_path, "random.wat", RANDOM)) as (app, pilot):
        app.query_one("#opt-wasi").value = True
        await pilot.press("r")
        await scripted.settle(pilot)
        await pilot.press("d")
        await scripted.settle(pilot)
        assert "run " in str(app.query_one("#run-steps", Label).render())
        assert app.screen.id == "determinism-screen"
        table = app.screen.query_one(DataTable)
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        k = next(i for i, r in enumerate(rows) if r.startswith("memory"))
        table.move_cursor(row=k)
        start = app.screen.rows[k][0].start
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#tabs").active == "tab-diff"
        assert app.query_one(HexDiffView).cursor == start


async def test_goto_accepts_hex_and_decimal(tmp_path):
    assert [parse_offset(t) for t in ("ff00", "0xff00", "65280", "0000ff00", "0x1_000", "zz")] == \
        [0xff00, 0xff00, 65280, 0xff00, 0x1000, None]
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        await pilot.press("g")
        app.screen.query_one(Input).value = "4f0"
        await pilot.press("enter")
        assert app.query_one(HexDiffView).cursor == 0x4f0


async def test_enter_on_a_segment_shows_its_bytes(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("r")
        await scripted.settle(pilot)
        await pilot.press("6")
        table = app.query_one("#segments", LazyTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#tabs").active == "tab-diff"
        assert app.query_one(HexDiffView).cursor == app.session.segment_rows()[1].start


async def test_open_completes_paths(tmp_path):
    (tmp_path / "examples-dir").mkdir()
    write(tmp_path, "counter.wat", COUNTER)
    assert complete_path(str(tmp_path / "cou")) == str(tmp_path / "counter.wat")
    assert complete_path(str(tmp_path / "exa")) == str(tmp_path / "examples-dir") + "/"
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("o")
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = str(tmp_path / "exa")
        await pilot.press("tab")
        assert app.screen.query_one(Input).value == str(tmp_path / "examples-dir") + "/"


def test_help_lists_every_key():
    text = help_markdown(lambda b: b.key)
    for key in ("up", "down", "left", "right", "home", "end", "tab", "shift+tab", "escape", "enter", "b", "click",
                "wheel", "pageup"):
        assert f"`{key}`" in text, key


def test_check_json_needs_no_output(tmp_path):
    src = write(tmp_path, "counter.wat", COUNTER)
    for flag in ("--check", "--check-determinism"):
        p = run_cli("init", flag, "--json", src)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["kind"] == "module"
