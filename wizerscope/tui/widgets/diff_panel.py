"""The snapshot diff: globals before -> after, and a hex diff per memory."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Select

from ...inspector import anatomy as A
from ...inspector.session import Session
from .hexdiff import HexDiffView
from .base import SessionView, cells


class DiffPanel(Vertical, SessionView):
    """Changed globals on top; below, the memory chooser, a status line and the hex diff."""

    tab = "diff"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None

    def compose(self) -> ComposeResult:
        yield Label("Run init (r) to compare the state before and after it.", id="diff-summary")
        yield DataTable(id="globals-diff", cursor_type="row")
        yield Select([], id="memory-select", prompt="memory", allow_blank=True)
        yield Label("", id="hex-status")
        yield Label("offset    after init (changed bytes green, others by region) ascii               "
                    "before init (changed bytes red)", id="hex-header")
        yield HexDiffView(id="hexdiff")

    def show(self, s: Session) -> None:
        self.session = s
        table = self.query_one("#globals-diff", DataTable)
        table.clear(columns=True)
        table.add_columns("module", "global", "type", "before init", "", "after init")
        changed = 0
        for g in s.global_rows():
            if g.after is None:
                continue
            changed += g.changed
            style = "bold black on yellow" if g.changed else ""
            label = f"{g.index}" + (f" ${g.name}" if g.name else "")
            table.add_row(*cells(g.where or s.name, label, g.type, g.before or "", "->" if g.changed else "=",
                                 Text(g.after, style=style)))
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
        b, a = d.before.read(off, 1)[0], d.after.read(off, 1)[0]
        mark = "changed" if d.is_changed(off) else "unchanged"
        region = view.regions.kind_at(off) if view.regions is not None else None
        mark += f", {region}" if region else ""
        status.update(f"offset {off:#x} ({off:,}) of {d.length:,} bytes: {b:02x} -> {a:02x} ({mark})   "
                      f"memory size {d.before.length:,} -> {d.after.length:,} bytes{self._causes(d)}")

    def _causes(self, d) -> str:
        """The determinism check's differing ranges of this memory and their causes, when it ran."""
        ranges = self.session.determinism_causes(d.where, d.memory) if self.session is not None else []
        if not ranges:
            return ""
        shown = ", ".join(f"[{r.start:#x}, {r.end:#x}) {r.cause}" for r in ranges[:6])
        return f"\nnot reproducible (determinism check): {shown}" + (" ..." if len(ranges) > 6 else "")
