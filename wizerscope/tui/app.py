"""The inspector app: ``wizerscope FILE``.

Holds one :class:`~wizerscope.session.Session` and turns its rows into the panes of the main
screen. Loading, running init and the determinism check run in thread workers that report back
with ``call_from_thread``, so the screen stays live and a running init can be cancelled
(epoch interruption). Every action is bound to a key, listed in the footer and the help screen,
and available by name in the command palette.
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
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, DataTable, Label, RichLog, TabbedContent

from ..errors import WizerscopeError
from ..preinit.options import Options
from ..inspector.session import RunOutcome, Session, WriteReport
from ..preinit.files import OutputExists
from ..report.text import describe_determinism
from .screens.dialogs import ConfirmDialog, HelpScreen, InputDialog
from .screens.main import TABS, MainScreen
from .widgets import tables
from .widgets.diff_panel import DiffPanel
from .widgets.hexdiff import HexDiffView
from .widgets.init_panel import InitPanel
from .widgets.rejections import RejectionsPane
from .widgets.structure import StructurePane

ACTIONS = [
    ("Run init", "run the init function with the chosen options", "run_init"),
    ("Cancel init", "stop a running init (epoch interruption)", "cancel_init"),
    ("Determinism check", "run init twice in fresh instances and compare the states", "determinism"),
    ("Write output", "write the pre-initialized output (asks before overwriting)", "write"),
    ("Open file", "open another module, component or WAT file", "open"),
    ("Next change", "move the hex diff to the next changed byte run", "next_change"),
    ("Previous change", "move the hex diff to the previous changed byte run", "prev_change"),
    ("Go to offset", "move the hex diff to a memory offset", "goto"),
    ("Help", "keys and what each tab shows", "help"),
] + [(f"Show {name}", f"switch to the {name} tab", f"tab('{name}')") for name in TABS]
TAB_FOCUS = {"structure": "#structure-tree", "globals": "#globals", "memories": "#memories", "init": "#candidates",
             "diff": "#hexdiff", "segments": "#segments", "instrumentation": "#instr-exports",
             "rejections": "#rejections"}
STATE_TABS = ("globals", "memories", "diff", "segments", "instrumentation")


class WizerscopeApp(App):
    """The inspector. ``session`` is the open input, ``outcome`` the last run (or None)."""

    CSS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wizerscope.tcss")
    TITLE = "wizerscope"
    BINDINGS = [
        Binding("r", "run_init", "Run init", id="run"),
        Binding("x", "cancel_init", "Cancel", id="cancel"),
        Binding("d", "determinism", "Determinism", id="determinism"),
        Binding("w", "write", "Write", id="write"),
        Binding("o", "open", "Open", id="open"),
        Binding("n", "next_change", "Next change", id="next-change"),
        Binding("p", "prev_change", "Prev change", id="prev-change"),
        Binding("g", "goto", "Go to offset", id="goto"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ] + [Binding(str(i + 1), f"tab('{name}')", name.capitalize(), show=False) for i, name in enumerate(TABS)]

    def __init__(self, path: str, options: Options | None = None) -> None:
        super().__init__()
        self.path = path
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

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:
        """Notifications carry names and messages from the input (`[i32]`, `$x[0]`): never markup."""
        super().notify(message, markup=markup, **kwargs)

    def get_default_screen(self) -> Screen:
        return MainScreen(id="main")

    def on_main_screen_ready(self) -> None:
        self.load(self.path)

    # -- loading ----------------------------------------------------------------------------------
    def load(self, path: str) -> None:
        self.sub_title = f"loading {os.path.basename(path)}..."
        self._load_worker(path)

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, path: str) -> None:
        try:
            session = Session.open(path, check=False)
        except WizerscopeError as e:
            self.call_from_thread(self._load_failed, str(e))
            return
        if self.preset is not None:
            chosen = session.options.init_func
            session.options = copy.deepcopy(self.preset)
            session.options.init_func = self.preset.init_func or chosen
        painted = threading.Event()
        self.call_from_thread(self._show_session, session, painted)
        painted.wait(2.0)               # let the tree reach the screen before the checks take the CPU
        session.check()                 # validation and the instruction scan
        self.call_from_thread(self._show_checks, session)

    def _load_failed(self, message: str) -> None:
        self.load_error = message
        self.sub_title = "no file"
        self.notify(message, title="cannot open", severity="error", timeout=10)

    def _show_session(self, s: Session, painted: threading.Event | None = None) -> None:
        self.session, self.outcome, self.determinism, self.last_write, self.load_error = s, None, None, None, None
        self.path = s.path
        self.sub_title = f"{s.name}  ({s.kind}, {len(s.wasm):,} bytes)"
        self.query_one(StructurePane).show(s)
        self.structure_shown_at = time.perf_counter()
        if painted is not None:
            self.call_after_refresh(painted.set)
        self.query_one(InitPanel).show(s)
        self.query_one("#run-log", RichLog).clear()
        self.query_one("#btn-write", Button).disabled = True
        self._stale = set(STATE_TABS)
        self.action_tab("structure")

    def _show_checks(self, s: Session) -> None:
        if s is not self.session:
            return
        self.query_one(RejectionsPane).show(s)
        if s.rejections:
            self.sub_title = f"{s.name}  ({s.kind}, {len(s.wasm):,} bytes, {len(s.rejections)} rejection(s))"
            self.action_tab("rejections")

    def _fill(self, tab: str) -> None:
        """Fill one state tab from the session. Tabs are filled when first shown: a componentize-py
        component has hundreds of globals, and filling tables nobody looks at would delay the
        structure tree."""
        s = self.session
        if s is None or tab not in self._stale:
            return
        self._stale.discard(tab)
        if tab == "globals":
            tables.fill_globals(self.query_one("#globals", DataTable), s)
        elif tab == "memories":
            tables.fill_memories(self.query_one("#memories", DataTable), self.query_one("#data-segments", DataTable),
                                 s)
        elif tab == "segments":
            tables.fill_segments(self.query_one("#segments", DataTable), s)
            tables.fill_runs(self.query_one("#runs", DataTable), s, 0)
            self.query_one("#segments-summary", Label).update(tables.segment_summary(s))
        elif tab == "instrumentation":
            tables.fill_instrumentation(self.query_one("#instr-exports", DataTable),
                                        self.query_one("#accessors", DataTable),
                                        self.query_one("#rewrite-changes", DataTable), s)
        elif tab == "diff":
            self.query_one(DiffPanel).show(s)

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
        self.query_one(RejectionsPane).show(self.session)     # the reference gaps follow the options
        self.action_tab("init")
        self._log(what.format(init=self.session.options.init_func), "bold")
        return True

    def action_run_init(self) -> None:
        if self._start("running `{init}`..."):
            self._run_worker()

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self) -> None:
        s = self.session
        outcome = s.run(progress=lambda step, i, n: self.call_from_thread(self.query_one(InitPanel).progress,
                                                                          step, i, n))
        if outcome.ok:
            s.memory_diffs()      # the byte diff is computed here, off the UI thread
        self.call_from_thread(self._run_done, outcome)

    def _run_done(self, o: RunOutcome) -> None:
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
        if o.init.results:
            self._log("init returned: " + ", ".join(str(v) for v in o.init.results), "cyan")
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
            self.call_from_thread(self._determinism_done, None, str(e))
            return
        self.call_from_thread(self._determinism_done, report, None)

    def _determinism_done(self, report, error: str | None) -> None:
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

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "segments" and self.session is not None and event.row_key.value is not None:
            tables.fill_runs(self.query_one("#runs", DataTable), self.session, int(event.row_key.value))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in ACTIONS:
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))


def run_app(path: str, options: Options | None = None) -> int:
    """Open the inspector on ``path`` (with the command line's run options); the exit status."""
    WizerscopeApp(path, options).run()
    return 0
