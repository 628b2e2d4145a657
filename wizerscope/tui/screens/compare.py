"""The compare view: two binaries' initial states side by side (``c`` in the inspector, or
``wizerscope A.wasm --compare B.wasm``).

It shows an :class:`~wizerscope.inspector.compare.Comparison` and nothing else: the globals and
sections that differ, and a hex diff per memory (``A`` on the right as "before", ``B`` as "after"),
with the same keys as the Diff tab.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Select

from ...inspector.compare import Comparison
from ..widgets.base import cells
from ..widgets.hexdiff import HexDiffView, header_text

TITLES = (("B (differing bytes: green)", "B (differs: green)", "B"), ("A (differing bytes: red)", "A (differs: red)", "A"))


class CompareScreen(Screen):
    """Escape returns to the inspector; n/p move between differing byte runs."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "change(1)", "Next difference"),
        Binding("p", "change(-1)", "Prev difference"),
    ]

    def __init__(self, comparison: Comparison) -> None:
        super().__init__(id="compare")
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        c = self.comparison
        yield Header(show_clock=False)
        yield Label(c.summary(), id="compare-summary")
        yield DataTable(id="compare-globals", cursor_type="row")
        yield DataTable(id="compare-sections", cursor_type="row")
        yield Select([], id="compare-memory", prompt="memory", allow_blank=True)
        yield Label("", id="compare-status")
        yield Label(header_text(16, True, TITLES), id="compare-hex-header")
        yield HexDiffView(id="compare-hex")
        yield Footer()

    def on_mount(self) -> None:
        c = self.comparison
        self.title = "wizerscope: compare"
        self.sub_title = f"A = {c.name_a}   B = {c.name_b}"
        globals_table = self.query_one("#compare-globals", DataTable)
        globals_table.add_columns("module", "global", "type", "A", "B")
        for row in c.global_rows():
            globals_table.add_row(*cells(*row))
        globals_table.display = bool(c.diff.globals)
        sections = self.query_one("#compare-sections", DataTable)
        sections.add_columns("module", "section that differs", "bytes in A", "bytes in B")
        for row in c.section_rows():
            sections.add_row(*cells(*row))
        sections.display = bool(c.diff.sections)
        select = self.query_one("#compare-memory", Select)
        select.set_options([(f"{d.where + ' / ' if d.where else ''}memory {d.memory}: {d.changed_bytes:,} bytes "
                             f"differ in {len(d.starts):,} runs", i) for i, d in enumerate(c.memories)])
        if c.memories:
            first = next((i for i, d in enumerate(c.memories) if d.starts), 0)
            select.value = first
            self.show_memory(first)
        self.query_one(HexDiffView).focus()

    def show_memory(self, i: int) -> None:
        view = self.query_one(HexDiffView)
        view.set_diff(self.comparison.memories[i] if 0 <= i < len(self.comparison.memories) else None)
        self.update_status()

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.show_memory(event.value)

    def on_hex_diff_view_layout_changed(self, event: HexDiffView.LayoutChanged) -> None:
        self.query_one("#compare-hex-header", Label).update(header_text(event.view.per_line, event.view.show_before,
                                                                        TITLES))

    def on_hex_diff_view_cursor_moved(self, event: HexDiffView.CursorMoved) -> None:
        self.update_status()

    def update_status(self) -> None:
        view = self.query_one(HexDiffView)
        d = view.diff
        status = self.query_one("#compare-status", Label)
        if d is None:
            status.update("no memory in both binaries")
            return
        off = view.cursor
        a, b = d.before.read(off, 1)[0], d.after.read(off, 1)[0]
        mark = "differs" if d.is_changed(off) else "same"
        status.update(f"offset {off:#x} ({off:,}): A {a:02x}, B {b:02x} ({mark})   "
                      f"memory size A {d.before.length:,}, B {d.after.length:,} bytes")

    def action_change(self, step: int) -> None:
        view = self.query_one(HexDiffView)
        moved = view.next_change() if step > 0 else view.prev_change()
        if view.diff is not None and not moved:
            self.notify("no further difference" if step > 0 else "no earlier difference", severity="information")
