"""Running init and the determinism check from the inspector (a mixin of the app).

Both run in thread workers that post typed messages (:mod:`.messages`), so the screen stays live
and a running init can be cancelled (epoch interruption). A cancelled re-run keeps the previous
run's result (the session keeps it too): cancelling is "never mind", not "forget what I had".
"""
from __future__ import annotations

from rich.text import Text
from textual import work
from textual.widgets import Button, Label, RichLog

from ..errors import WizerscopeError
from ..inspector.session import RUN_STEPS, RunOutcome
from ..inspector.verdict import for_form
from ..report.text import describe_determinism
from . import messages as M
from .screens.determinism import DeterminismScreen
from .widgets.base import Target
from .widgets.init_panel import InitPanel


class RunsMixin:
    """Run init, cancel it, check determinism; the log of every run."""

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
            self.notify(for_form(str(e)), title="options", severity="error")
            return False
        self.running = True
        self.refresh_bindings()
        self.query_one(InitPanel).set_running(True)
        self.view("rejections").show(self.session)     # the verdict and reference gaps follow the options
        self.action_tab("init")
        self._log(what.format(init=self.session.options.init_func), "bold")
        return True

    def action_run_init(self) -> None:
        if self._start("running `{init}`..."):
            self._run_worker()

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self) -> None:
        s = self.session
        outcome = s.run(progress=lambda step, i, n: self.post_message(M.RunProgress(step, i, n)),
                        output=lambda stream, data: self.post_message(M.InitOutput(stream, data)),
                        detail=lambda step, text: self.post_message(M.StepDetail(step, text)))
        self.post_message(M.RunFinished(outcome))     # the tabs' rows follow on a worker (a spinner meanwhile)

    def on_init_output(self, event: M.InitOutput) -> None:
        """Init's stdout and stderr in the log as they are written (stderr in yellow)."""
        text = event.data.decode("utf-8", "replace").rstrip("\n")
        if text:
            self._log(text, "yellow" if event.stream == "stderr" else "")

    def on_step_detail(self, event: M.StepDetail) -> None:
        self.query_one(InitPanel).detail(event.step, event.text)

    def on_run_progress(self, event: M.RunProgress) -> None:
        self.query_one(InitPanel).progress(event.step, event.index, event.total, event.prefix)

    def on_run_finished(self, event: M.RunFinished) -> None:
        o = event.outcome
        self.running = False
        self.refresh_bindings()
        panel = self.query_one(InitPanel)
        panel.set_running(False)
        self._log_outcome(o)
        panel.finished(o, len(self.session.wasm))
        self.view("rejections").show(self.session)     # a failed run is a reason `init` would give
        if o.cancelled:
            kept = " (the previous run's result is kept)" if self.outcome is not None else ""
            panel.query_one("#run-step", Label).update("cancelled" + kept)
            self.notify(str(o.error) + kept, title="cancelled", severity="warning", timeout=8)
            return
        self.outcome = o
        self.refresh_bindings()
        self.query_one("#btn-write", Button).disabled = not o.ok
        if o.ok:        # every tab's rows and the log's lines on the output, on a worker
            self._prepare_worker(self.session, None)
        self._refresh_state_views()
        if o.ok:
            panel.progress("done", len(o.steps_done), len(o.steps_done) + 1)
            changed = sum(g.changed for g in self.session.global_rows())
            self.notify(f"{changed} global(s) changed; output {o.output_size:,} bytes. Diff tab (5), write (w).",
                        title="init done")
            self.action_tab("diff")
        else:
            panel.query_one("#run-step", Label).update("failed: see the Rejections tab (8)")
            self.notify(for_form(str(o.error)), title="init failed", severity="error", timeout=8)

    def _log_outcome(self, o: RunOutcome) -> None:
        if o.ok:
            self._log(f"ok: `{o.init_func}` ran; output {o.output_size:,} bytes (input "
                      f"{len(self.session.wasm):,})", "bold green")
        elif o.cancelled:
            self._log(f"cancelled during {o.current_step}", "bold yellow")
        else:
            self._log(f"failed during {o.current_step}: {for_form(str(o.error))}", "bold red")
        if o.timings:
            compiler = f" (init code compiled by {o.init.compiler})" if o.init is not None and o.init.compiler else ""
            self._log("timings: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in o.timings.items()) + compiler,
                      "dim")
        for note in o.init.notes:           # a stack retry, the cache left off
            self._log(note if note.startswith("warning:") else f"note: {note}", "yellow")
        if o.init.results:
            self._log("init returned: " + ", ".join(str(v) for v in o.init.results), "cyan")
        for line in self.session.host_log():
            self._log(line, "dim")
        for name, data in (("stdout", o.init.stdout), ("stderr", o.init.stderr)):
            if data:                        # already in the log as written (on_init_output)
                self._log(f"(init's {name} is shown above, as it was written)", "dim")
        if o.backtrace:
            self._log("wasm backtrace:", "bold red")
            for line in o.backtrace[:30]:
                self._log(f"    {line}")

    async def action_quit(self) -> None:
        """Quit; a running init is cancelled first (epoch interruption), so leaving never waits
        for an init that may not end."""
        if self.running and self.session is not None:
            self.session.cancel()
        self.exit()

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
            report = self.session.check_determinism(progress=self._determinism_step)
        except WizerscopeError as e:
            self.post_message(M.DeterminismFinished(None, str(e)))
            return
        self.post_message(M.DeterminismFinished(report, None))

    def _determinism_step(self, run: int, step: str) -> None:
        """From the worker: run ``run`` (1 and 2 compare; later ones find causes) began ``step``."""
        what = "comparing" if run <= 2 else "finding causes"
        index = RUN_STEPS.index(step) if step in RUN_STEPS else 0
        self.post_message(M.RunProgress(step, index, len(RUN_STEPS), f"run {run} ({what}) · "))

    def on_determinism_finished(self, event: M.DeterminismFinished) -> None:
        report, error = event.result, event.error
        self.running = False
        self.refresh_bindings()
        self.query_one(InitPanel).set_running(False)
        self.determinism = report
        if report is None and error is not None and error.endswith("cancelled"):
            self._log(error, "yellow")
            return
        if report is None:
            self._log(f"determinism check failed: {for_form(error)}", "bold red")
            self.notify(for_form(error), title="determinism check failed", severity="error")
            return
        text = describe_determinism(report)
        self._log(text, "green" if report.deterministic else "yellow")
        self._refresh_state_views()          # the Diff view shows each range's cause
        self.query_one(InitPanel).query_one("#run-step", Label).update(
            "deterministic" if report.deterministic else "NOT deterministic")
        self.push_screen(DeterminismScreen(report, text), self.jump_to)

    def jump_to(self, target: Target | None) -> None:
        """Show a determinism row in the Diff tab: the global's row, or the range's first byte."""
        if target is None:
            return
        self.action_tab("diff")
        diff = self.view("diff")
        if target.kind == "global":
            diff.select_global(target.where, target.index)
        elif not diff.show_range(target.where, target.index, target.start):
            self.notify("run init (r) to see these bytes in the hex diff", severity="information")
