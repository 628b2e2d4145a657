"""The main screen: one tab per view of the session, header and footer around them."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, TabbedContent, TabPane

from ..widgets.diff_panel import DiffPanel
from ..widgets.init_panel import InitPanel
from ..widgets.rejections import RejectionsPane
from ..widgets.structure import StructurePane

TABS = ("structure", "globals", "memories", "init", "diff", "segments", "instrumentation", "rejections")


class MainScreen(Screen):
    """Every pane exists before the app loads a file into them (``Ready`` tells the app)."""

    class Ready(Message):
        pass

    def on_mount(self) -> None:
        self.call_after_refresh(self.post_message, self.Ready())

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs", initial="tab-structure"):
            with TabPane("1 Structure", id="tab-structure"):
                yield StructurePane(id="structure")
            with TabPane("2 Globals", id="tab-globals"):
                yield DataTable(id="globals", cursor_type="row", zebra_stripes=True)
            with TabPane("3 Memories", id="tab-memories"):
                with Vertical():
                    yield DataTable(id="memories", cursor_type="row")
                    yield Label("Data segments of the input", classes="section-title")
                    yield DataTable(id="data-segments", cursor_type="row", zebra_stripes=True)
            with TabPane("4 Init", id="tab-init"):
                yield InitPanel(id="init")
            with TabPane("5 Diff", id="tab-diff"):
                yield DiffPanel(id="diff")
            with TabPane("6 Segments", id="tab-segments"):
                with Vertical():
                    yield Label("Run init (r) to see the data segments the snapshot produces.",
                                id="segments-summary")
                    with Horizontal():
                        yield DataTable(id="segments", cursor_type="row", zebra_stripes=True)
                        with Vertical(id="runs-box"):
                            yield Label("Non-zero runs in the selected segment", classes="section-title")
                            yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            with TabPane("7 Instrumentation", id="tab-instrumentation"):
                with VerticalScroll():
                    yield Label("Exports the instrumentation adds (the snapshot reads state through them)",
                                classes="section-title")
                    yield DataTable(id="instr-exports", cursor_type="row")
                    yield Label("Component accessors (`wasmtime:wizer/access`)", classes="section-title")
                    yield DataTable(id="accessors", cursor_type="row")
                    yield Label("What the rewrite changed, section by section", classes="section-title")
                    yield DataTable(id="rewrite-changes", cursor_type="row")
            with TabPane("8 Rejections", id="tab-rejections"):
                yield RejectionsPane(id="rejections")
        yield Footer()
