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

from ...inspector.session import Session
from ...inspector.verdict import Card
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


_STYLE = {"rejection": ("rejection", "red"), "init-export": ("init export", "red"),
          "run-failed": ("run failed", "red"), "warning": ("warning", "yellow")}


def card_panel(s: Session, k: int, c: Card) -> Panel:
    """One card: the rule, the message, every item and offset it applies to, the fix."""
    title, style = _STYLE[c.level]
    rows = [("rule", Text(c.rule, style=f"bold {style}")), ("message", Text(c.message))]
    rows += [("where", Text(c.path))] if c.path else []
    if len(c.sites) > 1:        # one card for every place the same reason applies
        rows.append((f"sites ({len(c.sites)})", Text("\n".join(
            (f"{o:#x}  " if o is not None else "") + item for item, o in c.sites))))
    elif c.items:
        rows.append(("item", Text(c.items[0])))
    footer: list = [Text(line) for line in c.lines]
    footer += [Text.assemble(("what to change: ", "bold yellow"), c.hint)] if c.hint else []
    if c.backtrace:
        footer.append(Text("wasm backtrace:", style="bold red"))
        footer += [Text(f"    {line}") for line in c.backtrace[:30]]
    first = c.offsets[0] if c.offsets else None
    return _panel(s, rows, first, footer, f"{title} {k + 1}", style)


class RejectionsPane(VerticalScroll, SessionView, can_focus=True):
    """One panel per card of the session's verdict (what `init` would say), or a line saying
    there is nothing to stop `init`."""

    tab = "rejections"

    def show(self, s: Session) -> None:
        self.remove_children()
        cards = s.verdict()
        blocking = [c for c in cards if c.blocking]
        if not blocking:
            self.mount(Static(Text(f"No rejections: `init` would run `{s.options.init_func}` on this input.",
                                   style="green"), classes="no-rejections"))
        else:
            self.mount(Static(Text(f"{len(blocking)} reason(s) `init` would stop at, for `wasmtime wizer` and "
                                   "wizerscope alike:", style="bold red")))
        self.mount_all(Static(card_panel(s, k, c), classes="rejection" if c.blocking else "warning")
                       for k, c in enumerate(cards))
        gaps = s.reference_gaps()
        if gaps:
            self.mount(Static(Text(f"\n{len(gaps)} place(s) where `wasmtime wizer` would refuse, crash on "
                                   "or break this input; wizerscope handles them:", style="bold yellow")))
            self.mount_all(Static(gap_panel(s, k, g), classes="reference-gap") for k, g in enumerate(gaps))
