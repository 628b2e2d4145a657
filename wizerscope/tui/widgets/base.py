"""What every tab's widget is: a :class:`SessionView` with one entry, ``show(session)``.

The app keeps no knowledge of what a tab contains: when a tab is due (the session changed, a run
finished) and shown, the app calls its view's ``show`` and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text

from ...errors import printable


class SessionView:
    """Mixin for the widget of one tab; ``tab`` is the tab's name (see ``keys.TABS``)."""

    tab: ClassVar[str] = ""
    # the session's per-run results this view reads (``Session.SLOW``): when one is not ready the
    # app shows a spinner over the view and computes it on a worker thread first
    needs: ClassVar[tuple[str, ...]] = ()

    def show(self, session) -> None:
        raise NotImplementedError


def cells(*values) -> list:
    """Plain strings as Text: names like `[i32] -> [i32]` or `$x[0]` must not be read as markup,
    and control characters from the binary are shown escaped (:func:`~wizerscope.errors.printable`)."""
    return [Text(printable(v)) if isinstance(v, str) else v for v in values]


@dataclass(frozen=True)
class Target:
    """Where a row points: a global (``index``) or a memory range starting at ``start``."""

    kind: str
    where: str
    index: int
    start: int = 0
