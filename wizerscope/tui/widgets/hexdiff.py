"""A hex diff of one memory, before and after init, drawn with the Line API.

The bytes per line follow the width (8 at 80 columns with the "before" column, 24 at 200) and
``b`` hides or shows the "before" column; bytes the memory did not have before init (it grew)
read ``++`` there, not ``00``.

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

BYTES_PER_LINE = 16            # before the view knows its width
LINE_CHOICES = (64, 48, 32, 24, 16, 8, 4)


def line_width(per_line: int, before: bool) -> int:
    """Columns one line takes: offset, hex after, ascii, and (``before``) hex before."""
    return 10 + per_line * 3 + 1 + per_line + 1 + (2 + per_line * 3 if before else 0)


def fit_per_line(width: int, before: bool) -> int:
    """The most bytes per line (a multiple of 4) that fit ``width`` columns."""
    return next((n for n in LINE_CHOICES if line_width(n, before) <= width), LINE_CHOICES[-1])


def _fit(width: int, *choices: str) -> str:
    """The longest of ``choices`` that fits ``width`` columns, padded to it."""
    return next((c for c in choices if len(c) <= width), choices[-1][:width]).ljust(width)


INIT_TITLES = (("after init (changed: green)", "after init", "after"),
               ("before init (changed: red, ++ grown)", "before (++ grown)", "before"))


def header_text(per_line: int, before: bool, titles=INIT_TITLES) -> str:
    """The column titles above the view, aligned with what :meth:`HexDiffView._render_row` draws;
    ``titles`` are the (after, before) columns' words, longest first (the compare view names A and B)."""
    head = "offset".ljust(10) + _fit(per_line * 3 + 1, *titles[0])
    head += _fit(per_line + 1, "ascii", "")
    if before:
        head += "  " + _fit(per_line * 3, *titles[1])
    return head.rstrip()


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
S_GROWN = Style(color="dark_orange", italic=True)
GROWN = "++"            # the "before" of a byte the memory did not have before init (it grew)


def _ascii(b: int) -> str:
    return chr(b) if 32 <= b < 127 else "."


class HexDiffView(ScrollView, can_focus=True):
    """Offset, hex and ASCII of the memory after init, changed bytes coloured; with room, the
    bytes before init beside them. A byte cursor moves with the keys, the mouse, and the
    next/previous-change and go-to-offset actions."""

    BINDINGS = [
        Binding("up", "move_lines(-1)", "Up a line", show=False),
        Binding("down", "move_lines(1)", "Down a line", show=False),
        Binding("left", "move(-1)", "Left", show=False),
        Binding("right", "move(1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump_start", "Start", show=False),
        Binding("end", "jump_end", "End", show=False),
        Binding("b", "toggle_before", "Before"),
    ]

    cursor = reactive(0)

    class LayoutChanged(Message):
        """The bytes per line or the "before" column changed (the header follows)."""

        def __init__(self, view: "HexDiffView") -> None:
            super().__init__()
            self.view = view

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
        self.per_line = BYTES_PER_LINE   # follows the width (on_resize)
        self.show_before = True          # the "before" column; `b` toggles it

    @property
    def header(self) -> str:
        return header_text(self.per_line, self.show_before)

    def on_resize(self, event) -> None:
        self._relayout()

    def action_toggle_before(self) -> None:
        self.show_before = not self.show_before
        self._relayout(force=True)

    def _relayout(self, force: bool = False) -> None:
        per_line = fit_per_line(self.size.width, self.show_before)
        if per_line == self.per_line and not force:
            return
        self.per_line = per_line
        self._cache.clear()
        self._set_virtual_size()
        self._show_cursor()
        self.post_message(self.LayoutChanged(self))
        self.refresh()

    def _set_virtual_size(self) -> None:
        lines = 0 if self.diff is None else (self.diff.length + self.per_line - 1) // self.per_line
        self.virtual_size = Size(line_width(self.per_line, self.show_before), lines)

    # -- data ------------------------------------------------------------------------------------
    def set_diff(self, diff: MemoryDiff | None, regions: RegionIndex | None = None) -> None:
        self.diff = diff
        self.regions = regions
        self._cache.clear()
        self.rendered_lines = 0
        self._set_virtual_size()
        self.cursor = diff.starts[0] if diff is not None and diff.starts else 0
        # a fixed context above the first change (not "centre it": the height may not be known yet),
        # applied once the new virtual size is laid out
        self.call_after_refresh(self._scroll_to_cursor_row)
        self.refresh()

    def _scroll_to_cursor_row(self) -> None:
        self.scroll_to(y=max(self.cursor // self.per_line - 4, 0), animate=False)

    @property
    def length(self) -> int:
        return self.diff.length if self.diff is not None else 0

    @property
    def wide(self) -> bool:
        """True when the "before" column is shown."""
        return self.show_before

    # -- rendering -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if self.diff is None or row * self.per_line >= self.length:
            return Strip.blank(self.size.width, self.rich_style)
        cur = self.cursor if self.cursor // self.per_line == row else -1
        key = (row, cur, self.wide, self.per_line)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, cur)
            self._cache[key] = strip
            self.rendered_lines += 1
        return strip.crop_extend(self.scroll_offset.x, self.scroll_offset.x + self.size.width, self.rich_style)

    def _render_row(self, row: int, cursor: int) -> Strip:
        d = self.diff
        per = self.per_line
        off = row * per
        n = min(per, self.length - off)
        after = d.after.read(off, n)
        before = d.before.read(off, n)
        mask = d.changed_mask(off, n)
        segs = [Segment(f"{off:08x}  ", S_OFFSET)]
        for i in range(per):
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
        segs.append(Segment("|" + " " * (per - n), S_SEP))
        if self.wide:
            segs.append(Segment("  "))
            grown_from = d.before.length - off      # bytes from here did not exist before init
            for i in range(n):
                if i >= grown_from:
                    segs.append(Segment(GROWN, S_GROWN))
                else:
                    segs.append(Segment(f"{before[i]:02x}", S_CHANGED_BEFORE if mask[i] else S_ZERO))
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
        row = self.cursor // self.per_line
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

    def action_move_lines(self, lines: int) -> None:
        self.go_to(self.cursor + lines * self.per_line)

    def action_page(self, pages: int) -> None:
        self.go_to(self.cursor + pages * max(self.size.height - 1, 1) * self.per_line)

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
        col = x // 3 if 0 <= x < self.per_line * 3 else 0
        self.go_to(row * self.per_line + col)
