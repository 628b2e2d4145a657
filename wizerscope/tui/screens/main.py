"""The main screen: one tab per view of the session, header and footer around them."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, TabbedContent, TabPane

from ..keys import TABS, tab_label
from ..widgets.anatomy import AnatomyPane
from ..widgets.diff_panel import DiffPanel
from ..widgets.footer import KeyFooter
from ..widgets.lazytable import LazyTable
from ..widgets.init_panel import InitPanel
from ..widgets.rejections import RejectionsPane
from ..widgets.structure import StructurePane
from ..widgets.tables import GlobalsView, InstrumentationView, MemoriesView, SegmentsView

# each tab's view, in tab order, with the id tests and styles refer to
VIEWS = {"structure": (StructurePane, "structure"), "globals": (GlobalsView, "globals"),
         "memories": (MemoriesView, "memories-view"), "init": (InitPanel, "init"), "diff": (DiffPanel, "diff"),
         "segments": (SegmentsView, "segments-view"), "instrumentation": (InstrumentationView, "instrumentation"),
         "rejections": (RejectionsPane, "rejections"), "anatomy": (AnatomyPane, "anatomy")}


NARROW = 100        # below this many columns the tab bar uses short words and panes stack


class MainScreen(Screen):
    """Every pane exists before the app loads a file into them (``Ready`` tells the app). The
    screen carries ``-narrow``/``-normal``/``-wide`` by its width, which the stylesheet uses to
    stack panes at 80 columns and widen them at 200."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal"), (180, "-wide")]

    class Ready(Message):
        pass

    def on_mount(self) -> None:
        self.call_after_refresh(self.post_message, self.Ready())

    def on_resize(self, event) -> None:
        narrow = event.size.width < NARROW
        self.query_one(KeyFooter).compact = narrow
        tabs = self.query_one("#tabs", TabbedContent)
        for i, name in enumerate(TABS):
            tab = tabs.get_tab(f"tab-{name}")
            label = tab_label(i, name, narrow)
            if str(tab.label) != label:
                tab.label = label

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs", initial="tab-structure"):
            for i, name in enumerate(TABS):
                view, view_id = VIEWS[name]
                with TabPane(tab_label(i, name, False), id=f"tab-{name}"):
                    yield view(id=view_id)
        yield Label("", id="row-detail")
        yield KeyFooter()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted row of any table, whole: a column too narrow for a number or a
        reason never hides it (cells are cut at the table's edge, this line is not)."""
        if event.data_table.has_focus:
            self._show_row(event.data_table)

    def on_descendant_focus(self, event) -> None:
        """Focus moved: the detail line follows the focused table (or empties)."""
        widget = event.widget
        if isinstance(widget, (DataTable, LazyTable)):
            self._show_row(widget)
        else:
            self.query_one("#row-detail", Label).update("")

    def _show_row(self, table) -> None:
        if isinstance(table, LazyTable):
            if table.row_count:
                self._detail(table.columns, table.get_row_at(table.cursor_row))
            return
        try:
            row = table.get_row_at(table.cursor_row)
        except Exception:           # the table is empty or was cleared under the event (a re-fill)
            row = ()
        self._detail([str(c.label) for c in table.ordered_columns], row)

    def on_lazy_table_row_highlighted(self, event: LazyTable.RowHighlighted) -> None:
        if event.table.has_focus:
            self._detail(event.table.columns, event.table.get_row_at(event.index))

    def _detail(self, names: list[str], row) -> None:
        detail = self.query_one("#row-detail", Label)
        parts = [f"{n}: {v}" if n else str(v) for n, v in zip(names, row) if str(v).strip()]
        detail.update(Text("  ·  ".join(parts)))
