"""Every rejection of the input: the rule, the offending item, the byte offset with the bytes
around it (the offending byte highlighted), and what to change; then every place where `wasmtime
wizer` would refuse or break the input and wizerscope does not."""
from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...errors import Rejection
from ...inspector.session import Session
from .base import SessionView


def _hexdump(s: Session, offset: int) -> Text:
    hexdump = Text()
    for off, chunk in s.hex_context(offset):
        hexdump.append(f"{off:08x}  ", style="bright_black")
        for i, b in enumerate(chunk):
            hexdump.append(f"{b:02x}", style="bold black on red" if off + i == offset else "")
            hexdump.append(" ")
        hexdump.append("   " * (16 - len(chunk)))
        hexdump.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk) + "\n")
    return hexdump


def _panel(s: Session, rows: list[tuple[str, Text]], offset: int | None, footer: list, title: str,
           style: str) -> Panel:
    """A titled panel: label/value rows, the offset with the bytes around it, then ``footer``."""
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    for label, value in rows:
        t.add_row(label, value)
    parts: list = [t]
    if offset is not None:
        t.add_row("offset", f"{offset:#x} ({offset:,})")
        parts.append(_hexdump(s, offset))
    return Panel(Group(*parts, *footer), title=title, title_align="left", border_style=style)


def gap_panel(s: Session, k: int, g) -> Panel:
    """Something `wasmtime wizer` would refuse or break on, and what wizerscope does instead."""
    rows = [("rule", Text(g.rule, style="bold yellow")), ("wasmtime wizer", Text(g.reference)),
            ("wizerscope", Text(g.handled, style="green"))]
    rows += [("item", Text(g.item))] if g.item else []
    return _panel(s, rows, g.offset, [], f"reference gap {k + 1}", "yellow")


def rejection_panel(s: Session, k: int, r: Rejection) -> Panel:
    rows = [("rule", Text(r.rule, style="bold red")), ("message", Text(r.message))]
    rows += [("where", Text(r.path))] if r.path else []
    rows += [("item", Text(r.item))] if r.item else []
    footer = [Text.assemble(("what to change: ", "bold yellow"), r.hint)] if r.hint else []
    return _panel(s, rows, r.offset, footer, f"rejection {k + 1}", "red")


class RejectionsPane(VerticalScroll, SessionView, can_focus=True):
    """One panel per rejection, or a line saying there are none."""

    tab = "rejections"

    def show(self, s: Session) -> None:
        self.remove_children()
        if not s.rejections:
            self.mount(Static(Text("No rejections: this input can be pre-initialized.", style="green"),
                              classes="no-rejections"))
        else:
            head = Text(f"{len(s.rejections)} rejection(s): `wasmtime wizer` and wizerscope refuse this "
                        "input for these reasons.", style="bold red")
            self.mount(Static(head))
            self.mount_all(Static(rejection_panel(s, k, r), classes="rejection")
                           for k, r in enumerate(s.rejections))
        gaps = s.reference_gaps()
        if gaps:
            self.mount(Static(Text(f"\n{len(gaps)} place(s) where `wasmtime wizer` would refuse, crash on "
                                   "or break this input; wizerscope handles them:", style="bold yellow")))
            self.mount_all(Static(gap_panel(s, k, g), classes="reference-gap") for k, g in enumerate(gaps))
