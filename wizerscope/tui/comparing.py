"""Comparing this session with another file (a mixin of the app): ``c`` asks for a path, a
worker builds the :class:`~wizerscope.inspector.compare.Comparison`, and the compare view shows it.
This run's output is compared when there is one (is it the reference's output? the same as last
time?), the input before any run."""
from __future__ import annotations

import os

from textual import work

from ..errors import WizerscopeError
from ..inspector.compare import Comparison
from ..preinit.files import read_input
from . import messages as M
from .screens.compare import CompareScreen
from .screens.dialogs import InputDialog


class CompareMixin:
    """The app's ``compare`` action and ``--compare`` start-up."""

    def action_compare(self) -> None:
        if self.session is None:
            self.notify("no file is open", severity="warning")
            return
        what = "this session's output" if self.outcome is not None and self.outcome.ok else "this input"
        folder = os.path.dirname(self.path) if self.path else ""
        self.push_screen(InputDialog(f"Compare {what} with (a .wasm or .wat file):",
                                     folder + os.sep if folder else "", id="compare-dialog"), self._compare_chosen)

    def _compare_chosen(self, path: str | None) -> None:
        if path:
            self._compare_worker(path)

    @work(thread=True, exclusive=True, group="compare")
    def _compare_worker(self, path: str) -> None:
        s, o = self.session, self.outcome
        try:
            if o is not None and o.ok:
                c = Comparison.of(f"{s.name} (output of this run)", o.output, path, read_input(path))
            else:
                c = Comparison.of(s.name, s.wasm, path, read_input(path))
        except WizerscopeError as e:
            self.post_message(M.CompareReady(None, str(e)))
            return
        self.post_message(M.CompareReady(c, None))

    def on_compare_ready(self, event: M.CompareReady) -> None:
        if event.comparison is None:
            self.notify(event.error, title="cannot compare", severity="error", timeout=10)
            return
        self.push_screen(CompareScreen(event.comparison))
