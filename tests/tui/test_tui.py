"""Pilot tests of the inspector: every action, asserting on the app's state."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from textual.widgets import Button, DataTable, Input, Label, Select, Tree

from wizerscope.tui.app import WizerscopeApp
from wizerscope.tui.widgets.lazytable import LazyTable
from wizerscope.tui.keys import KEYS
from wizerscope.tui.screens.dialogs import ConfirmDialog, InputDialog
from wizerscope.tui.screens.help import HelpScreen
from wizerscope.tui.widgets.hexdiff import HexDiffView
from wizerscope.tui.widgets.structure import StructurePane

from tests.helpers import pilot as scripted
from tests.helpers.inspector_wat import BIG, COUNTER, FOREVER, NESTED, REJECTED, TRAPS, write

SIZE = (140, 44)


async def settle(app, pilot) -> None:
    await scripted.settle(pilot)


@asynccontextmanager
async def opened(path: str, options=None, size=SIZE):
    """The inspector on ``path`` (with the command line's ``options``), once loaded: (app, pilot)."""
    app = WizerscopeApp(path, options)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot


async def until(condition, seconds: float = 6.0) -> None:
    """Poll ``condition`` (a worker thread is making it true) every 20 ms, for at most ``seconds``."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)


def active(app) -> str:
    return app.query_one("#tabs").active


async def test_load_shows_structure_and_details(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        assert app.session is not None and app.session.kind == "module"
        assert active(app) == "tab-structure" and app.structure_shown_at is not None
        tree = app.query_one("#structure-tree", Tree)
        labels = [str(n.label) for n in tree.root.children]
        assert labels[3].startswith("global section (2)")
        tree.focus()
        await pilot.press("down", "down", "down", "down")      # the global section
        pane = app.query_one(StructurePane)
        assert pane.selected.label.startswith("global section")
        await pilot.press("enter")                              # expand it: entries added on demand
        await pilot.pause()
        node = tree.root.children[3]
        assert [str(c.label) for c in node.children][0] == "global 0 $calls : (mut i32) = 0"
        assert app.query_one("#globals", LazyTable).row_count == 0       # filled when first shown
        await pilot.press("2")
        await pilot.pause()
        assert app.query_one("#globals", LazyTable).row_count == 2
        assert "counter.wat" in app.sub_title


async def test_pick_init_from_candidates_and_run(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("4")
        assert active(app) == "tab-init"
        table = app.query_one("#candidates", DataTable)
        assert table.row_count == 5 and table.cursor_row == 1           # wizer-initialize preselected
        assert str(table.get_row("square")[2]) == "[i32] -> [i32]"     # shown as is, not read as markup
        table.focus()
        await pilot.press("down", "down", "down", "enter")             # checksum: [] -> [i64]
        assert app.query_one("#opt-init-func", Input).value == "checksum"
        app.query_one("#opt-timeout", Input).value = "30"
        app.query_one("#opt-compiler", Select).value = "cranelift"
        await pilot.press("r")
        await settle(app, pilot)
        assert app.outcome.ok and app.session.options.init_func == "checksum"
        assert app.session.options.timeout == 30.0
        assert app.session.options.compiler == app.outcome.init.compiler == "cranelift"
        assert app.outcome.init.results == [0]     # checksum only reads the global: the init was checksum
        log = "\n".join(str(line.text) for line in app.query_one("#run-log").lines)
        assert "init returned: 0" in log


async def test_run_then_navigate_the_diff(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert app.outcome.ok and active(app) == "tab-diff"
        assert not app.query_one("#btn-write", Button).disabled
        view = app.query_one(HexDiffView)
        d = view.diff
        assert view.cursor == d.starts[0] == 0x404
        await pilot.press("n")
        assert view.cursor == d.starts[1]
        await pilot.press("n", "n", "p")
        assert view.cursor == d.starts[2]
        await pilot.press("g")
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = "0x10"
        await pilot.press("enter")
        await pilot.pause()
        assert view.cursor == 0x10
        assert "offset 0x10" in str(app.query_one("#hex-status", Label).render())
        await pilot.press("down", "right")
        assert view.cursor == 0x21
        assert app.query_one("#globals-diff", LazyTable).row_count == 2
        await pilot.press("7")
        await pilot.pause()
        assert app.query_one("#rewrite-changes", LazyTable).row_count >= 4
        await pilot.press("6")
        await pilot.pause()
        assert app.query_one("#segments", LazyTable).row_count == 2
        assert app.query_one("#runs", LazyTable).row_count == 1          # the first segment: one run
        app.query_one("#segments", LazyTable).focus()
        await pilot.press("down")
        await pilot.pause()
        assert app.query_one("#runs", LazyTable).row_count == 255


async def test_cancel_a_running_init(tmp_path):
    async with opened(write(tmp_path, "forever.wat", FOREVER)) as (app, pilot):
        await pilot.press("r")
        await until(lambda: "init" in str(app.query_one("#run-step", Label).render()))
        assert app.running and not app.query_one("#btn-cancel", Button).disabled
        await pilot.press("x")
        await settle(app, pilot)
        assert not app.running and app.outcome is None          # nothing ran to the end
        attempt = app.session.last_attempt
        assert attempt.cancelled and not attempt.ok
        assert app.query_one("#btn-cancel", Button).disabled
        assert app.query_one("#btn-write", Button).disabled
        assert "cancelled" in str(app.query_one("#run-step", Label).render())


QUICK_THEN_FOREVER = """(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "wizer-initialize") (global.set $g (i32.const 7)))
  (func (export "spin") (loop $l (br $l))))
"""


async def test_cancelled_rerun_keeps_the_previous_result(tmp_path):
    async with opened(write(tmp_path, "two.wat", QUICK_THEN_FOREVER)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        first = app.outcome
        assert first.ok and not app.query_one("#btn-write", Button).disabled
        app.query_one("#opt-init-func", Input).value = "spin"
        await pilot.press("r")
        await until(lambda: "init" in str(app.query_one("#run-step", Label).render()))
        await pilot.press("x")
        await settle(app, pilot)
        assert app.session.last_attempt.cancelled
        assert app.outcome is first and app.session.run_result is first.run     # kept
        assert not app.query_one("#btn-write", Button).disabled
        assert "previous run's result is kept" in str(app.query_one("#run-step", Label).render())
        assert [g.after for g in app.session.global_rows()] == ["7"]


async def test_write_asks_before_overwriting(tmp_path):
    target = tmp_path / "counter.out.wasm"
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("w")
        assert not isinstance(app.screen, InputDialog)           # nothing to write before a run
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("w")
        assert isinstance(app.screen, InputDialog)
        assert app.screen.query_one(Input).value.endswith("counter.init.wasm")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.stat().st_size == app.last_write.size == len(app.outcome.output)
        target.write_bytes(b"old")
        await pilot.press("w")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert target.read_bytes() == b"old"
        await pilot.press("w")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert target.read_bytes() == app.outcome.output
        await pilot.press("o")                  # what one opens next: the output just written
        assert isinstance(app.screen, InputDialog)
        assert app.screen.query_one(Input).value == str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.path == str(target) and app.session.wasm == target.read_bytes()


async def test_rejected_input_opens_on_rejections(tmp_path):
    async with opened(write(tmp_path, "rejected.wat", REJECTED)) as (app, pilot):
        assert active(app) == "tab-rejections"
        panels = app.query(".rejection")
        assert len(panels) == len(app.session.rejections) == 2
        await pilot.press("r")
        await settle(app, pilot)
        assert not app.outcome.ok and "table.grow" in str(app.outcome.error)


async def test_determinism_help_and_palette(tmp_path):
    async with opened(write(tmp_path, "counter.wat", COUNTER)) as (app, pilot):
        await pilot.press("d")
        await settle(app, pilot)
        assert app.determinism is not None and app.determinism.deterministic
        assert app.screen.id == "determinism-screen"           # the result view
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {k.title for k in KEYS if k.action != "quit"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "Show segments":
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert active(app) == "tab-segments"


async def test_open_another_file_and_mouse(tmp_path):
    other = write(tmp_path, "nested.wat", NESTED)
    async with opened(write(tmp_path, "counter.wat", COUNTER), size=(140, 60)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert active(app) == "tab-diff"
        app.query_one(HexDiffView).focus()
        await pilot.press("o")
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = other
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session.kind == "component" and app.session.path == other
        assert active(app) == "tab-structure" and app.outcome is None
        tree = app.query_one("#structure-tree", Tree)
        nested = [n for n in tree.root.children if str(n.label) == "component 0"]
        assert nested and nested[0].is_expanded
        assert any(str(c.label).startswith("core module 0") for c in nested[0].children)
        # why `wasmtime wizer` refuses this one, in the Rejections tab beside our (no) rejections
        gaps = app.query(".reference-gap")
        assert len(gaps) == len(app.session.reference_gaps()) >= 1
        assert app.session.reference_gaps()[0].reference == "nested components with modules not currently supported"
        await pilot.click("Tab#--content-tab-tab-init")
        assert active(app) == "tab-init"
        await pilot.click("#btn-run")
        await settle(app, pilot)
        assert app.outcome.ok and active(app) == "tab-diff"
        assert app.query_one("#memory-select", Select).value == 0
        assert app.query_one(HexDiffView).diff is app.session.memory_diffs()[0]
        view = app.query_one(HexDiffView)
        await pilot.click(HexDiffView, offset=(1 + 10 + 3 * 2 + 1, 1 + 3))     # border + offset column
        assert view.cursor == (view.scroll_offset.y + 3) * 16 + 2


async def test_big_memory_renders_only_visible_lines(tmp_path):
    async with opened(write(tmp_path, "big.wat", BIG)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        view = app.query_one(HexDiffView)
        assert view.length == 1600 * 65536 and view.virtual_size.height == 1600 * 4096
        await pilot.press("n", "n")
        await pilot.pause()
        assert view.cursor == 104857599
        assert view.scroll_offset.y > 6_000_000
        view.focus()
        await pilot.press("pageup", "pageup", "home")
        await pilot.pause()
        assert view.cursor == 0 and view.scroll_offset.y == 0
        assert view.rendered_lines < 400


async def test_trap_shows_the_wasm_backtrace(tmp_path):
    async with opened(write(tmp_path, "traps.wat", TRAPS)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert not app.outcome.ok and not app.outcome.cancelled and active(app) == "tab-init"
        log = [str(line.text) for line in app.query_one("#run-log").lines]
        text = " ".join(log)
        assert "failed during init" in text and "`unreachable` instruction executed" in text
        at = log.index("wasm backtrace:")
        assert len(log) - at - 1 == len(app.outcome.backtrace) >= 3
        assert "failed" in str(app.query_one("#run-step", Label).render())


async def test_cancel_a_running_determinism_check(tmp_path):
    async with opened(write(tmp_path, "forever.wat", FOREVER)) as (app, pilot):
        await pilot.press("d")
        await until(lambda: app.session._runner is not None and app.session._runner.instance is not None)
        assert app.running and not app.query_one("#btn-cancel", Button).disabled
        await pilot.press("x")
        await settle(app, pilot)
        assert not app.running and app.determinism is None
        assert app.query_one("#btn-cancel", Button).disabled


async def test_reference_gaps_follow_the_options(tmp_path):
    """The component aliases its init export: without keep-init-func the reference writes an
    invalid component (#13168), with it the gap goes away; the tab follows the form."""
    aliased = """(component (core module $m (global $g (mut i32) (i32.const 0))
        (func (export "wizer-initialize") (global.set $g (i32.const 1))))
      (core instance $i (instantiate $m))
      (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize"))))"""
    async with opened(write(tmp_path, "aliased.wat", aliased)) as (app, pilot):
        assert [g.rule for g in app.session.reference_gaps()] == ["aliased-init-export"]
        assert len(app.query(".reference-gap")) == 1
        app.query_one("#opt-keep").value = True
        await pilot.press("r")
        await settle(app, pilot)
        assert app.outcome.ok and len(app.query(".reference-gap")) == 0


async def test_command_line_options_preset_the_form(tmp_path):
    """`wizerscope FILE -S cli --timeout 5 -C compiler=cranelift`: the inspector starts with them."""
    from wizerscope.cli import tui_arguments
    path = write(tmp_path, "counter.wat", COUNTER)
    file, opts, _ = tui_arguments([path, "-S", "cli", "--timeout", "5", "-C", "compiler=cranelift",
                                "--env", "MODE=fast"])
    assert file == path and opts.init_func is None          # not given: the inspector chooses
    async with opened(file, opts) as (app, pilot):
        o = app.session.options
        assert (o.wasi, o.timeout, o.compiler, o.env, o.init_func) == (True, 5.0, "cranelift",
                                                                     [("MODE", "fast")], "wizer-initialize")
        await pilot.press("r")
        await settle(app, pilot)
        assert app.outcome.ok and app.outcome.init.compiler == "cranelift"
        assert app.query_one("#opt-env", Input).value == "MODE=fast"
    _, opts, _ = tui_arguments([path, "-f", "checksum"])
    assert opts.init_func == "checksum"


async def test_quit_during_a_running_init_cancels_it(tmp_path):
    """``q`` while an endless init runs: the init is interrupted and the app leaves."""
    async with opened(write(tmp_path, "forever.wat", FOREVER)) as (app, pilot):
        await pilot.press("r")
        await until(lambda: "init" in str(app.query_one("#run-step", Label).render()))
        session = app.session
        await pilot.press("q")
        await app.workers.wait_for_complete()
        assert session._cancel.is_set()
        assert app.return_code is not None or not app.is_running


async def test_a_stack_retry_is_said_in_the_run_log(tmp_path):
    from tests.cli.test_deep_init import DEEP, deep_wat
    async with opened(write(tmp_path, "deep.wat", deep_wat(DEEP))) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        await until(lambda: app.outcome is not None and not app.running, 30)
        assert app.outcome.ok, app.outcome.error
        log = "\n".join(str(line.text) for line in app.query_one("#run-log").lines)
        assert "note: init ran out of wasm stack" in log


async def test_init_output_reaches_the_log_as_it_is_written(tmp_path):
    """Init's stdout is streamed into the run log as it is written (before the run's result), not
    dumped after it."""
    from wizerscope.cli import tui_arguments
    from tests.helpers.host_wat import CORE_SOURCES
    path = write(tmp_path, "sources.wat", CORE_SOURCES)
    async with opened(path, tui_arguments([path, "-S", "cli"])[1]) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        await until(lambda: app.outcome is not None and not app.running, 20)
        assert app.outcome.ok, app.outcome.error
        lines = [str(line.text) for line in app.query_one("#run-log").lines]
        ok = next(i for i, t in enumerate(lines) if t.startswith("ok:"))
        assert "hi" in lines[:ok] and any("shown above, as it was written" in t for t in lines[ok:])
