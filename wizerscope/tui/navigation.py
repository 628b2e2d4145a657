"""Moving through the hex diff from anywhere in the inspector (a mixin of the app): next and
previous change, go to an offset."""
from __future__ import annotations

from .screens.dialogs import InputDialog
from .widgets.hexdiff import HexDiffView


def parse_offset(text: str) -> int | None:
    """A memory offset as people type it: ``0xff00``; ``ff00`` or ``0000ff00`` (hex, as the hex
    view prints offsets: a hex letter or a leading zero says so); ``65280`` (plain digits are
    decimal). ``_`` and ``,`` separators are ignored; None when it is not an offset."""
    t = text.strip().lower().replace("_", "").replace(",", "")
    if not t:
        return None
    try:
        if t.startswith("0x"):
            return int(t, 16)
        if t.isdigit() and not (len(t) > 1 and t.startswith("0")):
            return int(t, 10)
        if t.endswith("h"):
            return int(t[:-1], 16)
        return int(t, 16)
    except ValueError:
        return None


class NavigationMixin:
    """The hex diff's app-wide keys: n, p, g."""

    def _hex(self) -> HexDiffView | None:
        view = self.query_one(HexDiffView)
        if view.diff is None:
            self.notify("no diff yet: run init first (r)", severity="warning")
            return None
        self.action_tab("diff")
        view.focus()
        return view

    def action_next_change(self) -> None:
        view = self._hex()
        if view is not None and not view.next_change():
            self.notify("no further change", severity="information")

    def action_prev_change(self) -> None:
        view = self._hex()
        if view is not None and not view.prev_change():
            self.notify("no earlier change", severity="information")

    def action_goto(self) -> None:
        if self._hex() is not None:
            self.push_screen(InputDialog("Go to memory offset (ff00, 0xff00 or decimal 65280):", "",
                                         id="goto-dialog"), self._goto)

    def _goto(self, text: str | None) -> None:
        if not text:
            return
        offset = parse_offset(text)
        if offset is None:
            self.notify(f"{text!r} is not an offset: type ff00, 0xff00 or 65280", severity="error")
            return
        self.query_one(HexDiffView).go_to(offset)
