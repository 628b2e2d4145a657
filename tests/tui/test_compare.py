"""The compare view: two files' initial states side by side (`c`, or `wizerscope A --compare B`)."""
from __future__ import annotations

from textual.widgets import DataTable, Input, Label

from wizerscope.inspector.compare import Comparison
from wizerscope.tui.app import WizerscopeApp
from wizerscope.tui.screens.compare import CompareScreen
from wizerscope.tui.widgets.hexdiff import HexDiffView

from tests.helpers import pilot as scripted
from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import COUNTER, write

SQUARES = sum(i * i for i in range(256))        # what counter.wat's init leaves in $checksum


def counter_and_output(tmp_path):
    src = write(tmp_path, "counter.wat", COUNTER)
    out = tmp_path / "counter.init.wasm"
    proc = run_cli("init", src, "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    return src, str(out)


def test_comparison_of_an_input_and_its_output(tmp_path):
    src, out = counter_and_output(tmp_path)
    c = Comparison.files(src, out)
    assert not c.identical
    assert c.global_rows() == [("(module)", "0 $calls", "i32", "0", "1"),
                               ("(module)", "1 $checksum", "i64", "0", str(SQUARES))]
    (m,) = c.memories
    assert m.starts[0] == 1024 + 4 and m.after.read(1028, 4) == (1).to_bytes(4, "little")
    assert "different states" in c.summary() and "2 global(s)" in c.summary()
    same = Comparison.files(out, out)
    assert same.identical and same.global_rows() == [] and same.memories[0].starts == []


async def test_compare_option_opens_the_view(tmp_path):
    src, out = counter_and_output(tmp_path)
    app = WizerscopeApp(src, None, compare_with=out)
    async with app.run_test(size=(140, 44)) as pilot:
        await scripted.settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, CompareScreen):
                break
            await pilot.pause(0.02)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.query_one("#compare-globals", DataTable).row_count == 2
        hexview = screen.query_one(HexDiffView)
        assert hexview.cursor == 1028                        # the first differing byte
        await pilot.press("n")
        assert hexview.cursor == m_next(screen.comparison, 1028)
        assert "A 00, B" in str(screen.query_one("#compare-status", Label).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen) and app.session is not None


def m_next(c: Comparison, offset: int) -> int:
    return c.memories[0].next_change(offset)


async def test_compare_key_after_a_run_compares_the_output(tmp_path):
    src, out = counter_and_output(tmp_path)
    app = WizerscopeApp(src)
    async with app.run_test(size=(140, 44)) as pilot:
        await scripted.run_init(pilot)
        await pilot.press("c")
        dialog = app.screen
        dialog.query_one(Input).value = out
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        for _ in range(100):
            if isinstance(app.screen, CompareScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.comparison.identical          # this run's output == the CLI's output
        assert "identical" in str(app.screen.query_one("#compare-summary", Label).render())


async def test_compare_with_a_missing_file_says_so(tmp_path):
    src, _ = counter_and_output(tmp_path)
    app = WizerscopeApp(src)
    async with app.run_test(size=(140, 44)) as pilot:
        await scripted.settle(pilot)
        app._compare_chosen(str(tmp_path / "nope.wasm"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)
        assert any("nope.wasm" in n.message for n in app._notifications)


async def test_compare_header_follows_the_hex_layout_at_80_columns(tmp_path):
    src, out = counter_and_output(tmp_path)
    app = WizerscopeApp(src, None, compare_with=out)
    async with app.run_test(size=(80, 24)) as pilot:
        await scripted.settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, CompareScreen):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        hexview = app.screen.query_one(HexDiffView)
        header = str(app.screen.query_one("#compare-hex-header", Label).render())
        assert hexview.per_line == 8
        assert header.index("ascii") == 10 + hexview.per_line * 3 + 1      # the column titles sit over the columns
