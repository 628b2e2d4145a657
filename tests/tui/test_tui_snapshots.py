"""Snapshot tests of the inspector (pytest-textual-snapshot): fixed size, theme, no animations.

Update after a deliberate UI change with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update``
and look at the SVGs in tests/tui/__snapshots__/test_tui_snapshots/ before committing them.
"""
from __future__ import annotations

import pytest

from wizerscope.tui.app import WizerscopeApp
from wizerscope.tui.widgets.hexdiff import HexDiffView

from tests.helpers.inspector_wat import COUNTER, NESTED, REJECTED, write
from tests.helpers.pilot import expand_nested_component, run_init as _ran, settle as _loaded

SIZE = (130, 40)


def _app(path: str) -> WizerscopeApp:
    app = WizerscopeApp(path)
    app.theme = "textual-dark"
    app.animation_level = "none"
    return app


@pytest.fixture
def files(tmp_path):
    return {name: write(tmp_path, name, text) for name, text in
            (("counter.wat", COUNTER), ("nested.wat", NESTED), ("rejected.wat", REJECTED))}


def test_loaded_module(snap_compare, files):
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SIZE, run_before=_loaded)


def test_component_tree_with_nested_component(snap_compare, files):
    assert snap_compare(_app(files["nested.wat"]), terminal_size=SIZE, run_before=expand_nested_component)


def test_rejected_input(snap_compare, files):
    assert snap_compare(_app(files["rejected.wat"]), terminal_size=SIZE, run_before=_loaded)


def test_diff_after_run(snap_compare, files):
    async def run_and_step(pilot):
        await _ran(pilot)
        await pilot.press("n", "n")
        await pilot.pause()
        assert pilot.app.query_one(HexDiffView).cursor == pilot.app.query_one(HexDiffView).diff.starts[2]
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SIZE, run_before=run_and_step)


def test_segments_view(snap_compare, files):
    async def segments(pilot):
        await _ran(pilot)
        await pilot.press("6")
        await pilot.pause()
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SIZE, run_before=segments)


# -- 80x24 and 160x48 ------------------------------------------------------------------------------
SMALL, LARGE = (80, 24), (160, 48)


@pytest.fixture
def command(tmp_path):
    from tests.helpers.truth_wat import COMMAND
    return write(tmp_path, "command.wat", COMMAND)


def test_small_loaded_module(snap_compare, files):
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SMALL, run_before=_loaded)


def test_small_diff_after_run(snap_compare, files):
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SMALL, run_before=_ran)


def test_small_init_tab(snap_compare, files):
    async def init_tab(pilot):          # before a run: a run's log and history hold its timings
        await _loaded(pilot)
        await pilot.press("4")
        await pilot.pause()
    assert snap_compare(_app(files["counter.wat"]), terminal_size=SMALL, run_before=init_tab)


def test_small_command_module_rejections(snap_compare, command):
    assert snap_compare(_app(command), terminal_size=SMALL, run_before=_loaded)


def test_large_init_tab(snap_compare, files):
    async def init_tab(pilot):
        await _loaded(pilot)
        await pilot.press("4")
        await pilot.pause()
    assert snap_compare(_app(files["counter.wat"]), terminal_size=LARGE, run_before=init_tab)


def test_large_diff_after_run(snap_compare, files):
    assert snap_compare(_app(files["counter.wat"]), terminal_size=LARGE, run_before=_ran)


def test_large_rejected_input(snap_compare, files):
    assert snap_compare(_app(files["rejected.wat"]), terminal_size=LARGE, run_before=_loaded)
