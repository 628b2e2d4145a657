"""A table drawn with the Line API: only the rows on screen are rendered.

Textual's DataTable measures and lays out every row when it is filled: 10,000 data segments of
a componentize-py component took seconds to show. Here filling a table is storing a list, and
each repaint renders the visible lines (a header line stays on top). Widths come from the
longest cell of each column, so no number is cut: a table wider than its pane scrolls sideways,
and the highlighted row is shown whole in the screen's detail line.
"""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


from ...errors import printable

S_HEADER = Style(bold=True, color="bright_white", bgcolor="grey23")
S_CURSOR = Style(reverse=True)
S_ZEBRA = Style(bgcolor="grey11")
GAP = 2


def _cell(value) -> tuple[str, Style | None]:
    """A cell's text (control characters from the binary escaped: names reach the terminal) and style."""
    if isinstance(value, Text):
        style = value.style if isinstance(value.style, Style) else Style.parse(value.style) if value.style else None
        return printable(value.plain), style
    return printable(str(value)), None


class LazyTable(ScrollView, can_focus=True):
    """Rows of cells (str or single-style Text) with a row cursor; posts
    :class:`RowHighlighted` when the cursor moves and :class:`RowSelected` on Enter or a click."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor_row = reactive(0)

    class RowHighlighted(Message):
        def __init__(self, table: "LazyTable", index: int) -> None:
            super().__init__()
            self.table, self.index = table, index

    class RowSelected(Message):
        def __init__(self, table: "LazyTable", index: int) -> None:
            super().__init__()
            self.table, self.index = table, index

    def __init__(self, *, id: str | None = None, max_height: int | None = None) -> None:
        super().__init__(id=id)
        self.columns: list[str] = []
        self.rows: list[tuple] = []
        self.keys: list[str] = []
        self.widths: list[int] = []
        self.max_height = max_height        # rows shown at most when the height follows the rows

    # -- data -------------------------------------------------------------------------------------
    def set_data(self, columns: list[str], rows: list[tuple], keys: list[str] | None = None) -> None:
        self.columns, self.rows = list(columns), list(rows)
        self.keys = list(keys) if keys is not None else [str(i) for i in range(len(self.rows))]
        self.widths = [len(c) for c in self.columns]
        for i in range(len(self.columns)):      # column by column: 10,000 rows in a few ms
            longest = max((len(printable(v.plain if isinstance(v, Text) else str(v))) for v in
                           (row[i] for row in self.rows if i < len(row))), default=0)
            self.widths[i] = max(self.widths[i], longest)
        self.virtual_size = Size(sum(self.widths) + GAP * len(self.widths) + 1, len(self.rows) + 1)
        self._fit_height()
        self.set_reactive(LazyTable.cursor_row, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        if self.rows:
            self.post_message(self.RowHighlighted(self, 0))

    def set_max_height(self, rows: int) -> None:
        """Show at most ``rows`` rows when the height follows the rows (more room, more rows)."""
        if rows != self.max_height:
            self.max_height = rows
            self._fit_height()

    def _fit_height(self) -> None:
        if self.max_height is not None:
            self.styles.height = min(len(self.rows) + 1, self.max_height) + 1

    def clear(self) -> None:
        self.set_data(self.columns, [])

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, index: int) -> tuple:
        return self.rows[index]

    def get_row_index(self, key: str) -> int:
        return self.keys.index(key)

    def move_cursor(self, *, row: int) -> None:
        if self.rows:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))

    # -- drawing ----------------------------------------------------------------------------------
    def _line(self, cells: tuple, style: Style | None) -> Strip:
        segs = [Segment(" ")]
        for value, width in zip(cells, self.widths):
            text, cell_style = _cell(value)
            # the cell's own style (a changed value's highlight) wins over the row's zebra or cursor
            segs.append(Segment(text.ljust(width + GAP), style + cell_style if cell_style and style else
                                style or cell_style))
        return Strip(segs)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        x = self.scroll_offset.x
        if y == 0:
            strip = self._line(tuple(self.columns), S_HEADER)
            return strip.extend_cell_length(x + width, S_HEADER).crop(x, x + width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        style = S_CURSOR if index == self.cursor_row and self.has_focus else (S_ZEBRA if index % 2 else None)
        if index == self.cursor_row and not self.has_focus:
            style = Style(bgcolor="grey30")
        strip = self._line(self.rows[index], style)
        return strip.extend_cell_length(x + width, style).crop(x, x + width)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- cursor -----------------------------------------------------------------------------------
    def watch_cursor_row(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        visible = max(self.size.height - 1, 1)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()
        self.post_message(self.RowHighlighted(self, new))

    def action_move(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, pages: int) -> None:
        self.move_cursor(row=self.cursor_row + pages * max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.rows) - 1)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event) -> None:
        pos = event.get_content_offset(self)
        if pos is None or pos.y == 0:
            return
        index = self.scroll_offset.y + pos.y - 1
        if 0 <= index < len(self.rows):
            self.move_cursor(row=index)
            if event.chain >= 2:
                self.action_select()
