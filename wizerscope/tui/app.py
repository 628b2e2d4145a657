"""The inspector app: ``wizerscope FILE``.

Holds one :class:`~wizerscope.inspector.session.Session` and shows it through one view per tab
(:class:`~wizerscope.tui.widgets.base.SessionView`: the app only ever calls ``show(session)``).
Loading, running init and the determinism check run in thread workers that post typed messages
(:mod:`.messages`), so the screen stays live and a running init can be cancelled (epoch
interruption). The key map (:mod:`.keys`) feeds the bindings, the footer, the help screen and the
command palette.
"""
from __future__ import annotations

import copy
import gc
import os
import sys
import threading
import time
from typing import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import Button, Input, RichLog, TabbedContent

from ..errors import WizerscopeError
from ..inspector.session import RunOutcome, Session, WriteReport
from ..preinit.files import OutputExists
from ..preinit.options import Options
from . import messages as M
from .commands import key_commands
from .keys import BINDINGS
from .comparing import CompareMixin
from .navigation import NavigationMixin
from .runs import RunsMixin
from .screens.dialogs import ConfirmDialog, CrashScreen, ErrorScreen, InputDialog
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .widgets.init_panel import InitPanel
from .widgets.base import SessionView

TAB_FOCUS = {"structure": "#structure-tree", "globals": "#globals", "memories": "#memories", "init": "#candidates",
             "diff": "#hexdiff", "segments": "#segments", "instrumentation": "#instr-exports",
             "rejections": "#rejections", "anatomy": "#anatomy-regions"}
STATE_TABS = ("globals", "memories", "diff", "segments", "instrumentation", "anatomy")


class WizerscopeApp(RunsMixin, NavigationMixin, CompareMixin, App):
    """The inspector. ``session`` is the open input, ``outcome`` the last run (or None)."""

    CSS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wizerscope.tcss")
    TITLE = "wizerscope"
    BINDINGS = BINDINGS

    def __init__(self, path: str, options: Options | None = None, compare_with: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.compare_with = compare_with      # `--compare B`: open the compare view once loaded
        # run options from the command line (`wizerscope FILE -S cli ...`), for every file opened;
        # an init_func of None leaves the session's own choice
        self.preset = options
        self.session: Session | None = None
        self.outcome: RunOutcome | None = None
        self.determinism = None
        self.last_write: WriteReport | None = None
        self.running = False
        self.load_error: str | None = None
        self.started_at = time.perf_counter()
        self.structure_shown_at: float | None = None
        self.prepared_at: float | None = None          # when a run's tabs were all prepared (benchmarks)
        self._stale: set[str] = set()
        self._views: dict[str, SessionView] | None = None
        # True from the moment a file is to be opened until its checks are shown (or it failed):
        # the first load starts only after the screen is mounted, so "no worker running" alone
        # does not mean "loaded" (tests and scripts wait on this)
        self.loading = True
        self.crashed: BaseException | None = None      # the internal error the crash screen shows

    def _handle_exception(self, error: Exception) -> None:
        """A bug of ours: show the crash screen (the app exits with status 1 when it is closed);
        a second one, or one the screen cannot show, goes to Textual's own handling."""
        if self.crashed is not None or os.environ.get("WIZERSCOPE_DEBUG") or not self.is_running:
            super()._handle_exception(error)
            return
        self.crashed = error
        self._return_code = 1
        if self._exception is None:         # tests still see the exception (run_test re-raises it)
            self._exception = error
        try:
            self.push_screen(CrashScreen(error))
        except Exception:
            super()._handle_exception(error)

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:
        """Notifications carry names and messages from the input (`[i32]`, `$x[0]`): never markup."""
        super().notify(message, markup=markup, **kwargs)

    def get_default_screen(self) -> Screen:
        return MainScreen(id="main")

    def on_main_screen_ready(self) -> None:
        self.load(self.path)

    # -- loading ----------------------------------------------------------------------------------
    def load(self, path: str) -> None:
        gc.unfreeze()               # the file open until now may be collected once replaced
        self.loading = True
        self.sub_title = f"loading {os.path.basename(path)}..."
        self._load_worker(path)

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, path: str) -> None:
        try:
            session = Session.open(path, check=False)
        except WizerscopeError as e:
            self.post_message(M.LoadFailed(path, str(e), _diagnostic(path, e)))
            return
        if self.preset is not None:
            chosen = session.options.init_func
            session.options = copy.deepcopy(self.preset)
            session.options.init_func = self.preset.init_func or chosen
        painted = threading.Event()
        self.post_message(M.SessionLoaded(session, painted))
        painted.wait(2.0)               # let the tree reach the screen before the checks take the CPU
        session.check()                 # validation and the instruction scan
        self.post_message(M.ChecksDone(session))

    def on_load_failed(self, event: M.LoadFailed) -> None:
        """The previous file, if any, stays open as it was (title, tabs, last run); the error is
        shown whole until dismissed."""
        self.load_error = event.error
        self.loading = False
        if self.session is not None:
            self._show_title(self.session)
            self._log(f"could not open {event.path}: {event.error}", "bold red")
            title = f"Cannot open {event.path}; {self.session.name} stays open"
        else:
            self.sub_title = f"could not open {os.path.basename(event.path)}"
            title = f"Cannot open {event.path}"
        self.push_screen(ErrorScreen(title, event.lines))

    def _show_title(self, s: Session) -> None:
        extra = f", {len(s.rejections)} rejection(s)" if s.checked and s.rejections else ""
        self.sub_title = f"{s.name}  ({s.kind}, {len(s.wasm):,} bytes{extra})"

    def on_session_loaded(self, event: M.SessionLoaded) -> None:
        s = event.session
        self.session, self.outcome, self.determinism, self.last_write, self.load_error = s, None, None, None, None
        self.path = s.path
        self._show_title(s)
        self.view("structure").show(s)
        self.structure_shown_at = time.perf_counter()
        self.call_after_refresh(event.painted.set)
        self.view("init").show(s)
        self.query_one("#run-log", RichLog).clear()
        self.query_one("#btn-write", Button).disabled = True
        self._stale = set(STATE_TABS)
        self.action_tab("structure")
        self.refresh_bindings()

    def on_checks_done(self, event: M.ChecksDone) -> None:
        s = event.session
        if s is not self.session:
            return
        self.loading = False
        _freeze_heap()
        self.view("rejections").show(s)
        self._show_title(s)
        if any(c.blocking for c in s.verdict()):
            self.action_tab("rejections")
        if self.compare_with is not None:
            other, self.compare_with = self.compare_with, None
            self._compare_chosen(other)

    def view(self, tab: str) -> SessionView:
        """The widget that shows tab ``tab``."""
        if self._views is None:
            self._views = {w.tab: w for w in self.screen.walk_children() if isinstance(w, SessionView)}
        return self._views[tab]

    def _fill(self, tab: str) -> None:
        """Show the session in one state tab. Tabs are filled when first shown: a componentize-py
        component has hundreds of globals, and filling tables nobody looks at would delay the
        structure tree. What the view needs of the run and is not computed yet is computed on a
        worker while a spinner covers the view, so a tab never freezes the screen."""
        if self.session is None or tab not in self._stale:
            return
        self._stale.discard(tab)
        view = self.view(tab)
        if self.session.computed(*view.needs):
            view.show(self.session)
            return
        view.loading = True
        self._prepare_worker(self.session, tab)

    @work(thread=True, group="prepare")
    def _prepare_worker(self, session: Session, tab: str | None) -> None:
        """Compute one tab's needs (``tab``), or after a run every tab's and the log's lines."""
        if tab is not None:
            session.prepare(*self.view(tab).needs)
            self.post_message(M.Prepared(session, tab))
            return
        session.prepare()
        self.post_message(M.Prepared(session, None, session.anatomy_log()))

    def on_prepared(self, event: M.Prepared) -> None:
        if event.session is not self.session:
            return
        if event.tab is None:
            for line in event.lines:
                self._log(line, "dim")
            self.prepared_at = time.perf_counter()
            _freeze_heap()
            return
        view = self.view(event.tab)
        view.loading = False
        if event.tab not in self._stale:        # else a newer run's fill is on its way
            # after the next layout, when the view has its size back from the spinner (the hex
            # view places its first change by its height)
            session = self.session
            self.call_after_refresh(lambda: view.show(session) if session is self.session else None)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill(event.pane.id.removeprefix("tab-"))

    def _refresh_state_views(self) -> None:
        self._stale = set(STATE_TABS)
        self._fill(self.query_one("#tabs", TabbedContent).active.removeprefix("tab-"))

    # -- writing and opening --------------------------------------------------------------------------
    def action_write(self) -> None:
        if self.session is None or self.outcome is None or not self.outcome.ok:
            self.notify("run init first (r); then write its output", severity="warning")
            return
        self.push_screen(InputDialog("Write the pre-initialized output to:", self.session.default_output_path(),
                                     id="write-dialog"), self._write_chosen)

    def _write_chosen(self, path: str | None, overwrite: bool = False) -> None:
        if not path:
            return
        try:
            report = self.session.write(path, overwrite=overwrite)
        except OutputExists:
            self.push_screen(ConfirmDialog(f"{path} exists. Overwrite it?"),
                             lambda yes: self._write_chosen(path, True) if yes else None)
            return
        except WizerscopeError as e:
            self.notify(str(e), title="not written", severity="error")
            return
        self.last_write = report
        msg = f"wrote {report.path}: {report.size:,} bytes (input {report.input_size:,}); validated before writing"
        self._log(msg, "bold green")
        self.notify(msg, title="written")

    def action_open(self) -> None:
        if self.running:
            self.notify("init is running; cancel it first (x)", severity="warning")
            return
        # what one most often opens next is the output just written; else the input's folder
        if self.last_write is not None:
            start = str(self.last_write.path)
        else:
            folder = os.path.dirname(self.path) if self.path else ""
            start = folder + os.sep if folder else ""
        self.push_screen(InputDialog("Open a module, component or WAT file (Tab completes):", start,
                                     id="open-dialog", paths=True),
                         lambda p: self.load(p) if p else None)

    # -- the rest ---------------------------------------------------------------------------------
    def action_tab(self, name: str) -> None:
        """Show a tab and focus its main widget: the tabs follow the focus, so a focus left in
        another tab (e.g. restored when a dialog closes) would switch back to it."""
        self.query_one("#tabs", TabbedContent).active = f"tab-{name}"
        self.query_one(TAB_FOCUS[name]).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = {"btn-run": self.action_run_init, "btn-cancel": self.action_cancel_init,
                  "btn-determinism": self.action_determinism, "btn-write": self.action_write}.get(event.button.id)
        if action is not None:
            action()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """The footer shows the actions that apply now: cancel while a run is going, run and
        check when one can start, write once a run produced an output."""
        if action == "cancel_init":
            return self.running
        if action in ("run_init", "determinism"):
            return self.session is not None and self.session.loaded and not self.running
        if action == "write":
            return self.outcome is not None and self.outcome.ok and not self.running
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        """The init field edits the session's choice at once: the note under it and the
        Rejections tab say what `init` would make of it before anything runs."""
        if event.input.id != "opt-init-func" or self.session is None or self.running:
            return
        name = event.value.strip()
        if not name or name == self.session.options.init_func:
            return
        self.session.options.init_func = name
        self.query_one(InitPanel).show_note(self.session)
        self.view("rejections").show(self.session)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from key_commands(self)


def _freeze_heap() -> None:
    """Move what is alive now (the parsed input, a run's rows) out of the cycle collector's view.
    An 18 MB component leaves millions of objects; each full collection walked them all, 0.15 s
    that landed on whatever the user did next (a tab switch). They are long-lived by nature; the
    next file's load unfreezes them so a replaced session can still be collected."""
    gc.freeze()


def _diagnostic(path: str, e: WizerscopeError) -> list[str]:
    """The whole error as lines: a WAT error keeps the assembler's lines (naming the file)."""
    lines = getattr(e, "lines", None)
    if lines:
        return [f"{path} is not valid WAT text:", *lines]
    return [str(e)]


def run_app(path: str, options: Options | None = None, compare_with: str | None = None) -> int:
    """Open the inspector on ``path`` (with the command line's run options, and the compare view
    against ``compare_with`` when given); the exit status: 0, or 1 after an internal error (said
    once more on stderr, after the screen is gone)."""
    app = WizerscopeApp(path, options, compare_with)
    app.run()
    if app.crashed is not None:
        e = app.crashed
        print(f"error: internal error in the inspector ({type(e).__name__}: {e}). Please report this input; "
              "set WIZERSCOPE_DEBUG=1 for a traceback.", file=sys.stderr)
    return app.return_code or 0
