"""The snapshot diff: globals before -> after, and a hex diff per memory."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Select

from ...inspector import anatomy as A
from ...inspector.session import Session
from .hexdiff import HexDiffView, header_text
from .base import SessionView
from .lazytable import LazyTable


class DiffPanel(Vertical, SessionView):
    """Changed globals on top; below, the memory chooser, a status line and the hex diff."""

    tab = "diff"
    needs = ("global_rows", "memory_diffs", "anatomy")
    # the app's hex keys work in every tab; here, where they apply, the footer shows them
    BINDINGS = [Binding("n", "app.next_change", "Next"), Binding("p", "app.prev_change", "Prev"),
                Binding("g", "app.goto", "Go to")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None

    def compose(self) -> ComposeResult:
        yield Label("Run init (r) to compare the state before and after it.", id="diff-summary")
        yield LazyTable(id="globals-diff", max_height=7)
        yield Select([], id="memory-select", prompt="memory", allow_blank=True)
        yield Label("", id="hex-status")
        yield Label(header_text(16, True), id="hex-header")
        yield HexDiffView(id="hexdiff")

    def show(self, s: Session) -> None:
        self.session = s
        rows, keys, changed = [], [], 0
        for g in s.global_rows():
            if g.after is None:
                continue
            changed += g.changed
            style = "bold black on yellow" if g.changed else ""
            label = f"{g.index}" + (f" ${g.name}" if g.name else "")
            rows.append((g.where or s.name, label, g.type, g.before or "", "->" if g.changed else "=",
                         Text(g.after, style=style)))
            keys.append(f"{g.where}/{g.index}")
        self.query_one("#globals-diff", LazyTable).set_data(
            ["module", "global", "type", "before init", "", "after init"], rows, keys)
        diffs = s.memory_diffs()
        select = self.query_one("#memory-select", Select)
        select.set_options([(f"{d.where + ' / ' if d.where else ''}memory {d.memory}: {d.changed_bytes:,} bytes "
                             f"changed in {len(d.starts):,} runs", i) for i, d in enumerate(diffs)])
        summary = self.query_one("#diff-summary", Label)
        if s.last_run is None or not s.last_run.ok:
            summary.update("Run init (r) to compare the state before and after it.")
            self.query_one(HexDiffView).set_diff(None)
            return
        total = sum(d.changed_bytes for d in diffs)
        summary.update(f"{changed} global(s) changed; {total:,} memory byte(s) changed in {len(diffs)} "
                       "memory(ies).  n/p: next/previous change, g: go to offset, arrows/page keys move.")
        if diffs:
            select.value = 0
            self.select_memory(0)

    def on_resize(self, event) -> None:
        """A tall screen (200x60) shows more changed globals above the hex view."""
        self.query_one("#globals-diff", LazyTable).set_max_height(15 if event.size.height >= 45 else 7)

    def select_global(self, where: str, index: int) -> bool:
        """Put the globals table's cursor on one global (a determinism row); False if not shown."""
        table = self.query_one("#globals-diff", LazyTable)
        try:
            table.move_cursor(row=table.get_row_index(f"{where}/{index}"))
        except ValueError:          # no run yet, or that global is not in the table
            return False
        table.focus()
        return True

    def show_range(self, where: str, memory: int, start: int) -> bool:
        """Show byte ``start`` of one memory in the hex view; False when no run's diff has it."""
        diffs = self.session.memory_diffs() if self.session is not None else []
        for i, d in enumerate(diffs):
            if d.memory == memory and (d.where == where or d.where.startswith(where + " (")):
                self.query_one("#memory-select", Select).value = i
                self.select_memory(i)
                view = self.query_one(HexDiffView)
                view.go_to(start)
                view.focus()
                return True
        return False

    def select_memory(self, i: int) -> None:
        view = self.query_one(HexDiffView)
        diffs = self.session.memory_diffs() if self.session is not None else []
        d = diffs[i] if 0 <= i < len(diffs) else None
        found = A.find(self.session.anatomy(), d.where, d.memory) if d is not None else None
        view.set_diff(d, A.RegionIndex(found.regions) if found is not None else None)
        self.update_status()

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.select_memory(event.value)

    def on_hex_diff_view_layout_changed(self, event: HexDiffView.LayoutChanged) -> None:
        self.query_one("#hex-header", Label).update(event.view.header)

    def on_hex_diff_view_cursor_moved(self, event: HexDiffView.CursorMoved) -> None:
        self.update_status()

    def update_status(self) -> None:
        view = self.query_one(HexDiffView)
        d = view.diff
        status = self.query_one("#hex-status", Label)
        if d is None:
            status.update("")
            return
        off = view.cursor
        a = d.after.read(off, 1)[0]
        if off >= d.before.length:      # the memory grew during init: this byte did not exist before
            b, mark = "++", "grown during init"
        else:
            b, mark = f"{d.before.read(off, 1)[0]:02x}", "changed" if d.is_changed(off) else "unchanged"
        region = view.regions.kind_at(off) if view.regions is not None else None
        mark += f", {region}" if region else ""
        status.update(f"offset {off:#x} ({off:,}) of {d.length:,} bytes: {b} -> {a:02x} ({mark})   "
                      f"memory size {d.before.length:,} -> {d.after.length:,} bytes{self._causes(d)}")

    def _causes(self, d) -> str:
        """The determinism check's differing ranges of this memory and their causes, when it ran."""
        ranges = self.session.determinism_causes(d.where, d.memory) if self.session is not None else []
        if not ranges:
            return ""
        shown = ", ".join(f"[{r.start:#x}, {r.end:#x}) {r.cause}" for r in ranges[:6])
        return f"\nnot reproducible (determinism check): {shown}" + (" ..." if len(ranges) > 6 else "")
