"""The Anatomy tab (9): regions of a known layout as rows and a bar, a region's variables on
highlight, the start-up button, and the hex diff's region colours."""
from __future__ import annotations

from textual.widgets import Button, Label, Static

from wizerscope.tui.widgets.lazytable import LazyTable

from tests.helpers import pilot as scripted
from tests.helpers.anatomy_wat import LAYOUT_REGIONS, LAYOUT
from tests.helpers.inspector_wat import write
from tests.tui.test_tui import opened, until


async def test_anatomy_tab_shows_regions_symbols_and_measures_startup(tmp_path):
    async with opened(write(tmp_path, "layout.wat", LAYOUT)) as (app, pilot):
        await scripted.run_init(pilot)
        log = " ".join(" ".join(str(line.text) for line in app.query_one("#run-log").lines).split())
        assert "memory 0: 156 snapshot bytes: static 24, bss 4, stack-live 8, stack-dead 16, heap 100" in log
        assert "gzipped" in log
        await pilot.press("9")
        await pilot.pause()
        table = app.query_one("#anatomy-regions", LazyTable)
        assert table.row_count == len(LAYOUT_REGIONS)
        kinds = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert kinds == [k for k, *_ in LAYOUT_REGIONS]
        assert "█" in str(app.query_one("#anatomy-bar", Static).render())
        title = str(app.query_one("#anatomy-symbols-title", Label).render())
        assert "variable(s) in" in title
        button = app.query_one("#btn-startup", Button)
        assert not button.disabled
        await pilot.click("#btn-startup")
        await until(lambda: "start-up" in str(app.query_one("#startup-result", Label).render()), 20)
        assert app.session.last_startup is not None
        assert app.session.last_startup.memory_image == "copy-on-write"


async def test_the_hex_diff_knows_each_bytes_region(tmp_path):
    async with opened(write(tmp_path, "layout.wat", LAYOUT)) as (app, pilot):
        await scripted.run_init(pilot)
        await pilot.press("5")
        await pilot.pause()
        from wizerscope.tui.widgets.hexdiff import HexDiffView
        view = app.query_one(HexDiffView)
        assert view.regions is not None
        assert [view.regions.kind_at(o) for o in (1024, 1072, 8128, 8160, 10000)] == \
            ["static", "bss", "stack-dead", "stack-live", "heap"]


async def test_the_form_can_drop_the_dead_stack(tmp_path):
    from textual.widgets import Checkbox
    async with opened(write(tmp_path, "layout.wat", LAYOUT)) as (app, pilot):
        app.query_one("#opt-drop-stack", Checkbox).value = True
        await scripted.run_init(pilot)
        assert app.session.run_result.dead_stack_saved == 16
        log = " ".join(" ".join(str(line.text) for line in app.query_one("#run-log").lines).split())
        assert "--drop-dead-stack left out 16 bytes" in log


def test_segments_summary_says_what_the_dead_stack_cut_changed(tmp_path):
    """With `drop the dead stack`, the Segments rows are the plan's; the summary says how many
    bytes the cut left out and how many segments were written."""
    from wizerscope.inspector.session import Session
    from wizerscope.tui.widgets.tables import segment_summary
    s = Session.open(write(tmp_path, "layout.wat", LAYOUT))
    s.options.drop_dead_stack = True
    assert s.run().ok
    t = s.segment_totals()
    assert t.dead_stack_cut == 16 and t.segments == len(s.run_result.units[0].after.segments)
    text = segment_summary(s)
    assert f"segments {t.planned:,}" in text and "cut 16 dead stack bytes" in text
    assert f"{t.segments:,} were written" in text
    s.options.drop_dead_stack = False
    assert s.run().ok and "dead stack" not in segment_summary(s)
