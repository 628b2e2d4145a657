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
import os
import threading
import time
from typing import Iterable

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import Button, Label, RichLog, TabbedContent

from ..errors import WizerscopeError
from ..inspector.compare import Comparison
from ..inspector.session import RunOutcome, Session, WriteReport
from ..preinit.files import OutputExists, read_input
from ..preinit.options import Options
from ..report.text import describe_determinism
from . import messages as M
from .commands import key_commands
from .keys import BINDINGS
from .screens.compare import CompareScreen
from .screens.dialogs import ConfirmDialog, InputDialog
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .widgets.base import SessionView
from .widgets.hexdiff import HexDiffView
from .widgets.init_panel import InitPanel

TAB_FOCUS = {"structure": "#structure-tree", "globals": "#globals", "memories": "#memories", "init": "#candidates",
             "diff": "#hexdiff", "segments": "#segments", "instrumentation": "#instr-exports",
             "rejections": "#rejections", "anatomy": "#anatomy-regions"}
STATE_TABS = ("globals", "memories", "diff", "segments", "instrumentation", "anatomy")


class WizerscopeApp(App):
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
        self._stale: set[str] = set()
        self._views: dict[str, SessionView] | None = None
        # True from the moment a file is to be opened until its checks are shown (or it failed):
        # the first load starts only after the screen is mounted, so "no worker running" alone
        # does not mean "loaded" (tests and scripts wait on this)
        self.loading = True

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:
        """Notifications carry names and messages from the input (`[i32]`, `$x[0]`): never markup."""
        super().notify(message, markup=markup, **kwargs)

    def get_default_screen(self) -> Screen:
        return MainScreen(id="main")

    def on_main_screen_ready(self) -> None:
        self.load(self.path)

    # -- loading ----------------------------------------------------------------------------------
    def load(self, path: str) -> None:
        self.loading = True
        self.sub_title = f"loading {os.path.basename(path)}..."
        self._load_worker(path)

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, path: str) -> None:
        try:
            session = Session.open(path, check=False)
        except WizerscopeError as e:
            self.post_message(M.LoadFailed(path, str(e)))
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
        self.load_error = event.error
        self.loading = False
        self.sub_title = "no file"
        self.notify(event.error, title="cannot open", severity="error", timeout=10)

    def on_session_loaded(self, event: M.SessionLoaded) -> None:
        s = event.session
        self.session, self.outcome, self.determinism, self.last_write, self.load_error = s, None, None, None, None
        self.path = s.path
        self.sub_title = f"{s.name}  ({s.kind}, {len(s.wasm):,} bytes)"
        self.view("structure").show(s)
        self.structure_shown_at = time.perf_counter()
        self.call_after_refresh(event.painted.set)
        self.view("init").show(s)
        self.query_one("#run-log", RichLog).clear()
        self.query_one("#btn-write", Button).disabled = True
        self._stale = set(STATE_TABS)
        self.action_tab("structure")

    def on_checks_done(self, event: M.ChecksDone) -> None:
        s = event.session
        if s is not self.session:
            return
        self.loading = False
        self.view("rejections").show(s)
        if self.compare_with is not None:
            other, self.compare_with = self.compare_with, None
            self._compare_chosen(other)
        if s.rejections:
            self.sub_title = f"{s.name}  ({s.kind}, {len(s.wasm):,} bytes, {len(s.rejections)} rejection(s))"
            self.action_tab("rejections")

    def view(self, tab: str) -> SessionView:
        """The widget that shows tab ``tab``."""
        if self._views is None:
            self._views = {w.tab: w for w in self.screen.walk_children() if isinstance(w, SessionView)}
        return self._views[tab]

    def _fill(self, tab: str) -> None:
        """Show the session in one state tab. Tabs are filled when first shown: a componentize-py
        component has hundreds of globals, and filling tables nobody looks at would delay the
        structure tree."""
        if self.session is None or tab not in self._stale:
            return
        self._stale.discard(tab)
        self.view(tab).show(self.session)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill(event.pane.id.removeprefix("tab-"))

    def _refresh_state_views(self) -> None:
        self._stale = set(STATE_TABS)
        self._fill(self.query_one("#tabs", TabbedContent).active.removeprefix("tab-"))

    # -- running ----------------------------------------------------------------------------------
    def _log(self, text: str | Text, style: str = "") -> None:
        self.query_one("#run-log", RichLog).write(Text(text, style=style) if isinstance(text, str) else text)

    def _can_start(self) -> bool:
        if self.session is None:
            self.notify("no file is open", severity="warning")
            return False
        if self.running:
            self.notify("init is running; cancel it first (x)", severity="warning")
            return False
        return True

    def _start(self, what: str) -> bool:
        """Take the options from the form and mark a run as started; False if it cannot start."""
        if not self._can_start():
            return False
        try:
            self.query_one(InitPanel).read_options(self.session.options)
        except WizerscopeError as e:
            self.notify(str(e), title="options", severity="error")
            return False
        self.running = True
        self.query_one(InitPanel).set_running(True)
        self.view("rejections").show(self.session)     # the reference gaps follow the options
        self.action_tab("init")
        self._log(what.format(init=self.session.options.init_func), "bold")
        return True

    def action_run_init(self) -> None:
        if self._start("running `{init}`..."):
            self._run_worker()

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self) -> None:
        s = self.session
        outcome = s.run(progress=lambda step, i, n: self.post_message(M.RunProgress(step, i, n)))
        if outcome.ok:
            s.memory_diffs()      # the byte diff is computed here, off the UI thread
        self.post_message(M.RunFinished(outcome))

    def on_run_progress(self, event: M.RunProgress) -> None:
        self.query_one(InitPanel).progress(event.step, event.index, event.total)

    def on_run_finished(self, event: M.RunFinished) -> None:
        o = event.outcome
        self.running = False
        self.outcome = o
        panel = self.query_one(InitPanel)
        panel.set_running(False)
        self._log_outcome(o)
        self.query_one("#btn-write", Button).disabled = not o.ok
        self._refresh_state_views()
        if o.ok:
            panel.progress("done", len(o.steps_done), len(o.steps_done) + 1)
            changed = sum(g.changed for g in self.session.global_rows())
            self.notify(f"{changed} global(s) changed; output {len(o.output):,} bytes. Diff tab (5), write (w).",
                        title="init done")
            self.action_tab("diff")
        else:
            panel.query_one("#run-step", Label).update("cancelled" if o.cancelled else "failed")
            self.notify(str(o.error), title="cancelled" if o.cancelled else "init failed",
                        severity="warning" if o.cancelled else "error", timeout=8)

    def _log_outcome(self, o: RunOutcome) -> None:
        if o.ok:
            self._log(f"ok: `{o.init_func}` ran; output {len(o.output):,} bytes (input "
                      f"{len(self.session.wasm):,})", "bold green")
        elif o.cancelled:
            self._log(f"cancelled during {o.current_step}", "bold yellow")
        else:
            self._log(f"failed during {o.current_step}: {o.error}", "bold red")
        if o.timings:
            compiler = f" (init code compiled by {o.init.compiler})" if o.init is not None and o.init.compiler else ""
            self._log("timings: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in o.timings.items()) + compiler,
                      "dim")
        for note in o.init.notes:           # a stack retry, the cache left off
            self._log(note if note.startswith("warning:") else f"note: {note}", "yellow")
        if o.init.results:
            self._log("init returned: " + ", ".join(str(v) for v in o.init.results), "cyan")
        for line in self.session.host_log() + self.session.anatomy_log():
            self._log(line, "dim")
        for name, data in (("stdout", o.init.stdout), ("stderr", o.init.stderr)):
            if data:
                self._log(f"init {name}:", "bold")
                self._log(data.decode("utf-8", "replace").rstrip("\n"))
        if o.backtrace:
            self._log("wasm backtrace:", "bold red")
            for line in o.backtrace[:30]:
                self._log(f"    {line}")

    def action_cancel_init(self) -> None:
        if not self.running or self.session is None:
            self.notify("nothing is running", severity="information")
            return
        self._log("cancelling...", "yellow")
        self.session.cancel()

    def action_determinism(self) -> None:
        if self._start("determinism check: running `{init}` twice in fresh instances..."):
            self._determinism_worker()

    @work(thread=True, exclusive=True, group="run")
    def _determinism_worker(self) -> None:
        try:
            report = self.session.check_determinism()
        except WizerscopeError as e:
            self.post_message(M.DeterminismFinished(None, str(e)))
            return
        self.post_message(M.DeterminismFinished(report, None))

    def on_determinism_finished(self, event: M.DeterminismFinished) -> None:
        report, error = event.result, event.error
        self.running = False
        self.query_one(InitPanel).set_running(False)
        self.determinism = report
        if report is None and error is not None and error.endswith("cancelled"):
            self._log(error, "yellow")
            return
        if report is None:
            self._log(f"determinism check failed: {error}", "bold red")
            self.notify(error, title="determinism check failed", severity="error")
            return
        self._log(describe_determinism(report), "green" if report.deterministic else "yellow")
        self._refresh_state_views()          # the Diff view shows each range's cause
        self.notify("deterministic" if report.deterministic else "NOT deterministic: see the log",
                    title="determinism check", severity="information" if report.deterministic else "warning")

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
        self.push_screen(InputDialog("Open a module, component or WAT file:", start, id="open-dialog"),
                         lambda p: self.load(p) if p else None)

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

    # -- hex diff navigation --------------------------------------------------------------------------
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
            self.push_screen(InputDialog("Go to memory offset (0x... or decimal):", "0x", id="goto-dialog"),
                             self._goto)

    def _goto(self, text: str | None) -> None:
        if not text:
            return
        try:
            offset = int(text.strip().replace("_", ""), 0)
        except ValueError:
            self.notify(f"{text!r} is not an offset", severity="error")
            return
        self.query_one(HexDiffView).go_to(offset)

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

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from key_commands(self)


def run_app(path: str, options: Options | None = None, compare_with: str | None = None) -> int:
    """Open the inspector on ``path`` (with the command line's run options, and the compare view
    against ``compare_with`` when given); the exit status."""
    WizerscopeApp(path, options, compare_with).run()
    return 0
