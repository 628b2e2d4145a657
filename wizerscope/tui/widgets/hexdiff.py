"""A hex diff of one memory, before and after init, drawn with the Line API.

Only the lines on screen are rendered: each reads its 16 bytes from the sparse before/after
states (a bisect and a slice), so a 100 MiB memory scrolls as smoothly as a small one and
nothing ever copies a whole memory. Rendered lines are kept in a small LRU cache keyed by line
number and cursor, so repaints while scrolling cost nothing.
"""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...inspector.anatomy import RegionIndex
from ...preinit.statediff import MemoryDiff

BYTES_PER_LINE = 16
NARROW = 8 + 2 + BYTES_PER_LINE * 3 + 1 + BYTES_PER_LINE + 1
WIDE = NARROW + 2 + BYTES_PER_LINE * 3

S_OFFSET = Style(color="bright_black")
S_SAME = Style()
S_ZERO = Style(color="grey42")
S_CHANGED_AFTER = Style(color="black", bgcolor="green3", bold=True)
S_CHANGED_BEFORE = Style(color="black", bgcolor="indian_red")
S_CURSOR = Style(reverse=True, bold=True)
S_SEP = Style(color="bright_black")
# per region kind: (a non-zero byte, a zero byte), in the Anatomy tab's colours
_REGION_STYLES = {kind: (Style(color=colour), Style(color=colour, dim=True)) for kind, colour in
                  (("static", "steel_blue1"), ("bss", "medium_purple1"), ("stack-live", "gold1"),
                   ("stack-dead", "orange3"), ("heap", "turquoise2"), ("unknown", "grey58"))}


def _ascii(b: int) -> str:
    return chr(b) if 32 <= b < 127 else "."


class HexDiffView(ScrollView, can_focus=True):
    """Offset, hex and ASCII of the memory after init, changed bytes coloured; with room, the
    bytes before init beside them. A byte cursor moves with the keys, the mouse, and the
    next/previous-change and go-to-offset actions."""

    BINDINGS = [
        Binding("up", "move(-16)", "Up", show=False),
        Binding("down", "move(16)", "Down", show=False),
        Binding("left", "move(-1)", "Left", show=False),
        Binding("right", "move(1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump_start", "Start", show=False),
        Binding("end", "jump_end", "End", show=False),
    ]

    cursor = reactive(0)

    class CursorMoved(Message):
        def __init__(self, view: "HexDiffView", offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.diff: MemoryDiff | None = None
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self.rendered_lines = 0          # lines rendered since the last set_diff (tests, benchmarks)
        self.regions: RegionIndex | None = None    # the anatomy's regions: unchanged bytes take their colour

    # -- data ------------------------------------------------------------------------------------
    def set_diff(self, diff: MemoryDiff | None, regions: RegionIndex | None = None) -> None:
        self.diff = diff
        self.regions = regions
        self._cache.clear()
        self.rendered_lines = 0
        lines = 0 if diff is None else (diff.length + BYTES_PER_LINE - 1) // BYTES_PER_LINE
        self.virtual_size = Size(WIDE, lines)
        self.cursor = diff.starts[0] if diff is not None and diff.starts else 0
        # a fixed context above the first change (not "centre it": the height may not be known yet),
        # applied once the new virtual size is laid out
        self.call_after_refresh(self._scroll_to_cursor_row)
        self.refresh()

    def _scroll_to_cursor_row(self) -> None:
        self.scroll_to(y=max(self.cursor // BYTES_PER_LINE - 4, 0), animate=False)

    @property
    def length(self) -> int:
        return self.diff.length if self.diff is not None else 0

    @property
    def wide(self) -> bool:
        return self.size.width >= WIDE

    # -- rendering -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if self.diff is None or row * BYTES_PER_LINE >= self.length:
            return Strip.blank(self.size.width, self.rich_style)
        cur = self.cursor if self.cursor // BYTES_PER_LINE == row else -1
        key = (row, cur, self.wide)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, cur)
            self._cache[key] = strip
            self.rendered_lines += 1
        return strip.crop_extend(self.scroll_offset.x, self.scroll_offset.x + self.size.width, self.rich_style)

    def _render_row(self, row: int, cursor: int) -> Strip:
        d = self.diff
        off = row * BYTES_PER_LINE
        n = min(BYTES_PER_LINE, self.length - off)
        after = d.after.read(off, n)
        before = d.before.read(off, n)
        mask = d.changed_mask(off, n)
        segs = [Segment(f"{off:08x}  ", S_OFFSET)]
        for i in range(BYTES_PER_LINE):
            if i >= n:
                segs.append(Segment("   "))
                continue
            b = after[i]
            style = S_CURSOR if off + i == cursor else S_CHANGED_AFTER if mask[i] else self._plain(off + i, b)
            segs.append(Segment(f"{b:02x}", style))
            segs.append(Segment(" "))
        segs.append(Segment("|", S_SEP))
        for i in range(n):
            style = S_CURSOR if off + i == cursor else S_CHANGED_AFTER if mask[i] else S_SAME
            segs.append(Segment(_ascii(after[i]), style))
        segs.append(Segment("|" + " " * (BYTES_PER_LINE - n), S_SEP))
        if self.wide:
            segs.append(Segment("  "))
            for i in range(n):
                style = S_CHANGED_BEFORE if mask[i] else S_ZERO
                segs.append(Segment(f"{before[i]:02x}", style))
                segs.append(Segment(" "))
        return Strip(segs)

    def _plain(self, offset: int, b: int) -> Style:
        """An unchanged byte: in its region's colour when the anatomy is known, zeros dimmed."""
        kind = self.regions.kind_at(offset) if self.regions is not None else None
        if kind is None:
            return S_ZERO if b == 0 else S_SAME
        return _REGION_STYLES[kind][b == 0]

    # -- cursor ------------------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self.post_message(self.CursorMoved(self, new))
        self.refresh()

    def _show_cursor(self) -> None:
        row = self.cursor // BYTES_PER_LINE
        top = self.scroll_offset.y
        height = max(self.size.height, 1)
        if row < top or row >= top + height:
            self.scroll_to(y=max(row - height // 2, 0), animate=False)

    def go_to(self, offset: int) -> None:
        if self.length == 0:
            return
        self.cursor = max(0, min(offset, self.length - 1))
        self._show_cursor()

    def action_move(self, delta: int) -> None:
        self.go_to(self.cursor + delta)

    def action_page(self, pages: int) -> None:
        self.go_to(self.cursor + pages * max(self.size.height - 1, 1) * BYTES_PER_LINE)

    def action_jump_start(self) -> None:
        self.go_to(0)

    def action_jump_end(self) -> None:
        self.go_to(self.length - 1)

    def next_change(self) -> bool:
        target = self.diff.next_change(self.cursor) if self.diff is not None else None
        if target is not None:
            self.go_to(target)
        return target is not None

    def prev_change(self) -> bool:
        target = self.diff.prev_change(self.cursor) if self.diff is not None else None
        if target is not None:
            self.go_to(target)
        return target is not None

    def on_click(self, event) -> None:
        pos = event.get_content_offset(self)
        if pos is None:
            return
        row = self.scroll_offset.y + pos.y
        x = pos.x + self.scroll_offset.x - 10
        col = x // 3 if 0 <= x < BYTES_PER_LINE * 3 else 0
        self.go_to(row * BYTES_PER_LINE + col)
