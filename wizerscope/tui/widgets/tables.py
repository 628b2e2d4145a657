"""The table tabs: globals (before/after, changed rows highlighted), memories with the input's
data segments, the final segments with the runs inside each, and the instrumentation with the
rewrite's changes. Each is a :class:`~.base.SessionView` that fills its tables from session rows."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label

from ...inspector.session import Session
from .base import SessionView, Target, cells
from .lazytable import LazyTable

CHANGED = "bold black on yellow"
NO_RUN = "Run init (r) to see the data segments the snapshot produces."


def _fresh(table: DataTable, *columns: str) -> None:
    table.clear(columns=True)
    table.add_columns(*columns)


def _size(n: int | None) -> str:
    return "" if n is None else f"{n:,} B ({n // 65536} x 64 KiB)" if n % 65536 == 0 else f"{n:,} B"


class GlobalsView(LazyTable, SessionView):
    """Globals with their snapshot value next to the initializer (every row: the table draws
    only those on screen)."""

    tab = "globals"
    needs = ("global_rows",)

    def show(self, s: Session) -> None:
        rows, keys = [], []
        for g in s.global_rows():
            style = CHANGED if g.changed else ""
            mark = Text("●", style="bold yellow") if g.changed else Text(" ")
            rows.append((mark, g.where or s.name, str(g.index), g.name or "", g.type, "mut" if g.mutable else "",
                         g.init, g.before if g.before is not None else "",
                         Text(g.after, style=style) if g.after is not None else ""))
            keys.append(f"{g.where}/{g.index}")
        self.set_data(["", "module", "index", "name", "type", "mut", "initializer", "before init", "after init"],
                      rows, keys)


class MemoriesView(Vertical, SessionView):
    """Every memory's limits and sizes, and the input's data segments below."""

    tab = "memories"

    def compose(self) -> ComposeResult:
        yield DataTable(id="memories", cursor_type="row")
        yield Label("Data segments of the input", classes="section-title")
        yield LazyTable(id="data-segments")

    def show(self, s: Session) -> None:
        table = self.query_one("#memories", DataTable)
        _fresh(table, "module", "index", "type", "min pages", "max pages", "page size", "64-bit", "shared",
               "size before init", "size after init")
        segs = []
        for m in s.memory_rows():
            grew = m.bytes_after is not None and m.bytes_before is not None and m.bytes_after != m.bytes_before
            table.add_row(*cells(m.where or s.name, str(m.index), m.type, str(m.minimum),
                                 "none" if m.maximum is None else str(m.maximum), f"{m.page_size:,}", str(m.memory64),
                                 str(m.shared), _size(m.bytes_before),
                                 Text(_size(m.bytes_after), style=CHANGED if grew else "")))
            segs.extend((m.where or s.name, str(m.index), str(d.index), d.mode, d.offset, f"{d.length:,}")
                        for d in m.segments)
        self.query_one("#data-segments", LazyTable).set_data(
            ["module", "memory", "segment", "mode", "offset", "length"], segs)


class SegmentsView(Vertical, SessionView):
    """The final data segments; beside them, the raw non-zero runs inside the selected one."""

    tab = "segments"
    needs = ("segment_rows",)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None

    def compose(self) -> ComposeResult:
        yield Label(NO_RUN, id="segments-summary")
        with Horizontal(id="segments-split"):
            yield LazyTable(id="segments")
            with Vertical(id="runs-box"):
                yield Label("Non-zero runs in the selected segment", classes="section-title")
                yield LazyTable(id="runs")

    def show(self, s: Session) -> None:
        self.session = s
        self.query_one("#segments", LazyTable).set_data(
            ["module", "memory", "start", "end", "length", "raw runs", "gap bytes merged", "cap merges"],
            [(r.where or s.name, str(r.memory), f"{r.start:#x}", f"{r.end:#x}", f"{r.length:,}", str(r.raw_runs),
              f"{r.gap_bytes:,}", Text(str(r.cap_merges), style=CHANGED) if r.cap_merges else "0")
             for r in s.segment_rows()])
        self._show_runs(0)
        self.query_one("#segments-summary", Label).update(segment_summary(s))

    def _show_runs(self, row_index: int) -> None:
        """The raw non-zero runs inside one final segment, with the zero gaps the merge swallowed."""
        columns = ["run start", "run end", "length", "gap before"]
        rows = self.session.segment_rows() if self.session is not None else []
        runs = self.session.raw_runs_in(rows[row_index]) if 0 <= row_index < len(rows) else []
        self.query_one("#runs", LazyTable).set_data(columns, [
            (f"{start:#x}", f"{end:#x}", f"{end - start:,}",
             "" if gap is None else Text(f"{gap:,}", style="yellow" if gap > 4 else ""))
            for start, end, gap in runs])

    def on_lazy_table_row_highlighted(self, event: LazyTable.RowHighlighted) -> None:
        if event.table.id == "segments":
            self._show_runs(event.index)

    def on_lazy_table_row_selected(self, event: LazyTable.RowSelected) -> None:
        """Enter (or a double click) on a segment: its bytes in the Diff tab's hex view."""
        if event.table.id != "segments" or self.session is None:
            return
        r = self.session.segment_rows()[event.index]
        self.app.jump_to(Target("memory", r.where, r.memory, r.start))


def segment_summary(s: Session) -> str:
    t = s.segment_totals()
    if t.output_size is None:
        return NO_RUN
    growth = (t.output_size - t.input_size) / t.input_size * 100 if t.input_size else 0.0
    return (f"non-zero runs {t.raw_runs:,}  ->  merged (gaps <= 4 bytes) {t.merged:,}  ->  "
            f"cap merges {t.cap_merges:,} (limit 10,000)  ->  segments {t.planned:,}\n"
            f"segment data {t.data_bytes:,} bytes; output {t.output_size:,} bytes vs input {t.input_size:,} "
            f"bytes ({growth:+.1f}%)" + _dead_stack_note(t))


def _dead_stack_note(t) -> str:
    """With --drop-dead-stack the rows are the plan's segments; the cut then removed or split some."""
    if not t.dead_stack_cut:
        return ""
    return (f"\n--drop-dead-stack cut {t.dead_stack_cut:,} dead stack bytes: the rows are the plan's "
            f"{t.planned:,} segments, {t.segments:,} were written")


class InstrumentationView(VerticalScroll, SessionView):
    """The `__wizer_*` exports, the component accessor table, and the rewrite's changes."""

    tab = "instrumentation"
    needs = ("accessor_rows",)

    def compose(self) -> ComposeResult:
        yield Label("Exports the instrumentation adds (the snapshot reads state through them)",
                    classes="section-title")
        yield LazyTable(id="instr-exports", max_height=14)
        yield Label("Component accessors (`wasmtime:wizer/access`)", classes="section-title")
        yield LazyTable(id="accessors", max_height=14)
        yield Label("What the rewrite changed, section by section", classes="section-title")
        yield LazyTable(id="rewrite-changes", max_height=14)

    def show(self, s: Session) -> None:
        self.query_one("#instr-exports", LazyTable).set_data(
            ["module", "export added", "exposes", "type"], [tuple(r) for r in s.instrumentation_rows()])
        self.query_one("#accessors", LazyTable).set_data(
            ["ordinal", "component", "core module", "core instance", "core export", "kind", "type", "WIT type",
             "wasmtime:wizer/access functions"],
            [(str(a.ordinal), a.component or "(root)", str(a.core_module), str(a.core_instance), a.core_export,
              a.kind, a.type, a.wit, ", ".join(f"{k}={v}" for k, v in a.funcs.items())) for a in s.accessor_rows()])
        self.query_one("#rewrite-changes", LazyTable).set_data(
            ["module", "section", "change"], [tuple(r) for r in s.rewrite_changes()])
