"""The determinism check's result: every differing global and byte range with its cause; Enter
on a row jumps to it in the Diff tab (the dialog returns the row, the app moves the view)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label

from ..widgets.base import Target, cells


def result_rows(report) -> list[tuple[Target, list]]:
    """(target, cells) for every differing global and shown byte range of ``report``."""
    rows = []
    for g in report.globals:
        label = f"global {g.index}" + (f" ${g.name}" if g.name else "")
        rows.append((Target("global", g.where, g.index), cells(g.where or "(module)", label, g.cause,
                                                             f"{g.first} / {g.second}")))
    for m in report.memories:
        for r, (a, b) in zip(m.runs, m.samples or [("", "")] * len(m.runs)):
            rows.append((Target("memory", m.where, m.memory, r.start),
                         cells(m.where or "(module)", f"memory {m.memory} [{r.start:#x}, {r.end:#x})", r.cause,
                               f"{a} / {b}")))
    return rows


class DeterminismScreen(ModalScreen[Target | None]):
    """The result of one determinism check; Enter on a row jumps to it, Escape closes."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, report, summary: str) -> None:
        super().__init__(id="determinism-screen")
        self.report = report
        self.summary = summary
        self.rows = result_rows(report)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog determinism"):
            title = "Deterministic" if self.report.deterministic else "NOT deterministic"
            yield Label(f"Determinism check: {title}", classes="dialog-title")
            yield Label(Text(self.summary), id="determinism-summary")
            table = DataTable(id="determinism-rows", cursor_type="row", zebra_stripes=True)
            yield table
            yield Label("Enter: show the row in the Diff tab   Escape: close", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("module", "what", "cause", "first run / second run")
        for k, (_target, row) in enumerate(self.rows):
            table.add_row(*row, key=str(k))
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self.rows[int(event.row_key.value)][0])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
