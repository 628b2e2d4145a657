"""The Anatomy tab: what each snapshotted memory is made of, as a bar of proportions and a table
of regions; the variables of the highlighted region below; a button that measures the start-up
win of the last run's output (in a worker: a big input takes seconds)."""
from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from ...errors import WizerscopeError
from ...inspector import anatomy as A
from ...inspector.session import Session
from .base import SessionView
from .lazytable import LazyTable
from .hexdiff import _REGION_STYLES

# one colour per region kind (the hex diff's too)
KIND_STYLES = {kind: style.color.name for kind, (style, _) in _REGION_STYLES.items()}
BAR_WIDTH = 60


def bar_text(a) -> Text:
    """The regions as a proportional bar, with a legend of the kinds present."""
    text = Text()
    parts = A.bar(a, BAR_WIDTH)
    for kind, n in parts:
        text.append("█" * n, style=KIND_STYLES[kind])
    text.append("\n")
    for kind, _ in parts:
        text.append("■ ", style=KIND_STYLES[kind])
        text.append(f"{kind}  ")
    return text


class AnatomyPane(Vertical, SessionView):
    """Memory chooser, bar, regions table, symbols of the highlighted region, start-up button."""

    tab = "anatomy"
    needs = ("anatomy",)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.current = None
        self.rows: list[A.RegionRow] = []

    def compose(self) -> ComposeResult:
        yield Label("Run init (r) to see what the snapshot is made of.", id="anatomy-summary")
        yield Select([], id="anatomy-select", prompt="memory", allow_blank=True)
        yield Static("", id="anatomy-bar")
        yield LazyTable(id="anatomy-regions", max_height=11)
        yield Label("", id="anatomy-symbols-title")
        yield LazyTable(id="anatomy-symbols")
        with Horizontal(id="startup-row"):
            yield Button("Measure start-up", id="btn-startup")
            yield Label("", id="startup-result")

    def show(self, s: Session) -> None:
        self.session = s
        found = s.anatomy()
        select = self.query_one("#anatomy-select", Select)
        select.set_options([(A.title(a), i) for i, a in enumerate(found)])
        self.query_one("#btn-startup", Button).disabled = s.run_result is None
        if not found:
            self.query_one("#anatomy-summary", Label).update("Run init (r) to see what the snapshot is made of.")
            self.select_anatomy(None)
            return
        self.query_one("#anatomy-summary", Label).update(
            "Regions by snapshot bytes; highlight one to list its variables (debug info or segment names).")
        select.value = 0
        self.select_anatomy(found[0])

    def select_anatomy(self, a) -> None:
        self.current = a
        self.query_one("#anatomy-bar", Static).update(bar_text(a) if a is not None else "")
        self.rows = A.region_rows(a) if a is not None else []
        self.query_one("#anatomy-regions", LazyTable).set_data(
            ["kind", "name", "start", "end", "snapshot bytes", "share"],
            [(Text(r.kind, style=KIND_STYLES[r.kind]), r.name, f"{r.start:#x}", f"{r.end:#x}", f"{r.bytes:,}",
              f"{100 * r.share:.1f}%") for r in self.rows])
        notes = "; ".join(a.notes) if a is not None and a.notes else ""
        self.show_symbols(None, notes)

    def show_symbols(self, region: A.RegionRow | None, notes: str = "") -> None:
        syms = A.symbol_rows(self.current, region) if self.current is not None else []
        self.query_one("#anatomy-symbols", LazyTable).set_data(
            ["variable", "start", "end", "snapshot bytes"],
            [(sym.name, f"{sym.start:#x}", f"{sym.end:#x}", f"{sym.bytes:,}") for sym in syms])
        where = f"in {region.kind} {region.name}".rstrip() if region is not None else "in this memory"
        title = f"{len(syms)} variable(s) {where}" + (f"   layout: {notes}" if notes else "")
        self.query_one("#anatomy-symbols-title", Label).update(Text(title))

    def on_select_changed(self, event: Select.Changed) -> None:
        found = self.session.anatomy() if self.session is not None else []
        if (event.select.id == "anatomy-select" and isinstance(event.value, int) and event.value < len(found)
                and found[event.value] is not self.current):
            self.select_anatomy(found[event.value])

    def on_lazy_table_row_highlighted(self, event: LazyTable.RowHighlighted) -> None:
        if event.table.id == "anatomy-regions" and 0 <= event.index < len(self.rows):
            self.show_symbols(self.rows[event.index])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "btn-startup" and self.session is not None:
            event.button.disabled = True
            self.query_one("#startup-result", Label).update("measuring...")
            self._measure(self.session)

    @work(thread=True, exclusive=True, group="startup")
    def _measure(self, s: Session) -> None:
        try:
            text = s.measure_startup().describe()
        except WizerscopeError as e:
            text = str(e)
        self.app.call_from_thread(self._measured, text)

    def _measured(self, text: str) -> None:
        self.query_one("#startup-result", Label).update(Text(text))
        self.query_one("#btn-startup", Button).disabled = False
