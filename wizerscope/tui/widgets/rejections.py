"""Every rejection of the input: the rule, the offending item, the byte offset with the bytes
around it (the offending byte highlighted), and what to change."""
from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...errors import Rejection
from ...session import Session


def rejection_panel(s: Session, k: int, r: Rejection) -> Panel:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    t.add_row("rule", Text(r.rule, style="bold red"))
    t.add_row("message", Text(r.message))
    if r.path:
        t.add_row("where", Text(r.path))
    if r.item:
        t.add_row("item", Text(r.item))
    parts: list = [t]
    if r.offset is not None:
        t.add_row("offset", f"{r.offset:#x} ({r.offset:,})")
        hexdump = Text()
        for off, chunk in s.hex_context(r.offset):
            hexdump.append(f"{off:08x}  ", style="bright_black")
            for i, b in enumerate(chunk):
                hexdump.append(f"{b:02x}", style="bold black on red" if off + i == r.offset else "")
                hexdump.append(" ")
            hexdump.append("   " * (16 - len(chunk)))
            hexdump.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk) + "\n")
        parts.append(hexdump)
    if r.hint:
        parts.append(Text.assemble(("what to change: ", "bold yellow"), r.hint))
    return Panel(Group(*parts), title=f"rejection {k + 1}", title_align="left", border_style="red")


class RejectionsPane(VerticalScroll, can_focus=True):
    """One panel per rejection, or a line saying there are none."""

    def show(self, s: Session) -> None:
        self.remove_children()
        if not s.rejections:
            self.mount(Static(Text("No rejections: this input can be pre-initialized.", style="green"),
                              classes="no-rejections"))
            return
        head = Text(f"{len(s.rejections)} rejection(s): `wasmtime wizer` and wizerscope refuse this input "
                    "for these reasons.", style="bold red")
        self.mount(Static(head))
        self.mount_all(Static(rejection_panel(s, k, r), classes="rejection") for k, r in enumerate(s.rejections))
