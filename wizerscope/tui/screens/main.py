"""The main screen: one tab per view of the session, header and footer around them."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from ..keys import TABS
from ..widgets.anatomy import AnatomyPane
from ..widgets.diff_panel import DiffPanel
from ..widgets.init_panel import InitPanel
from ..widgets.rejections import RejectionsPane
from ..widgets.structure import StructurePane
from ..widgets.tables import GlobalsView, InstrumentationView, MemoriesView, SegmentsView

# each tab's view, in tab order, with the id tests and styles refer to
VIEWS = {"structure": (StructurePane, "structure"), "globals": (GlobalsView, "globals"),
         "memories": (MemoriesView, "memories-view"), "init": (InitPanel, "init"), "diff": (DiffPanel, "diff"),
         "segments": (SegmentsView, "segments-view"), "instrumentation": (InstrumentationView, "instrumentation"),
         "rejections": (RejectionsPane, "rejections"), "anatomy": (AnatomyPane, "anatomy")}


class MainScreen(Screen):
    """Every pane exists before the app loads a file into them (``Ready`` tells the app)."""

    class Ready(Message):
        pass

    def on_mount(self) -> None:
        self.call_after_refresh(self.post_message, self.Ready())

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs", initial="tab-structure"):
            for i, name in enumerate(TABS):
                view, view_id = VIEWS[name]
                with TabPane(f"{i + 1} {name.capitalize()}", id=f"tab-{name}"):
                    yield view(id=view_id)
        yield Footer()
