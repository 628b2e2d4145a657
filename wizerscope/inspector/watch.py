"""The hooks a :class:`~wizerscope.inspector.session.Session` runs the driver with: progress for the
view, cancel between steps and while compiling (an abandoned compile finishes in the background and
is dropped), the state just before init, and init's output as it is written."""
from __future__ import annotations

from typing import Callable

from ..preinit.pipeline import STEPS, Cancelled, Hooks, Trace, compile_abandonably
from ..preinit.runtime.codestore import CodeCache

RUN_STEPS = STEPS + ("done",)
Progress = Callable[[str, int, int], None]


class Watch(Hooks):
    """The session's hooks: progress, cancel, an abandonable compile, the state before init."""

    interruptible = True
    snapshot_before = True

    def __init__(self, session, progress: Progress | None,
                 output: Callable[[str, bytes], None] | None = None,
                 detail: Callable[[str, str], None] | None = None) -> None:
        self.session = session
        self.progress = progress or (lambda step, i, n: None)
        self.watch_output = output
        self.detail = detail or (lambda step, text: None)

    def output(self, stream: str, data: bytes) -> None:
        if self.watch_output is not None:
            self.watch_output(stream, data)

    def step(self, name: str, trace: Trace) -> None:
        if self.session._cancel.is_set():
            raise Cancelled(f"cancelled before {name}")
        self.progress(name, RUN_STEPS.index(name), len(RUN_STEPS))

    def started(self, runner) -> None:
        self.session._runner = runner          # first: cancel() either sees it or we see the flag
        if self.session._cancel.is_set():
            raise Cancelled("cancelled")

    def stopped(self, runner) -> None:
        self.session._runner = None

    def compile(self, runner, cache: CodeCache | None) -> None:
        """Compile on a helper thread and wait for it or for :meth:`Session.cancel` (an abandoned
        compile finishes in the background and is dropped: ``compile_abandonably``)."""
        def stop() -> Cancelled | None:
            if self.session._cancel.is_set():
                return Cancelled("cancelled while compiling (the compile is dropped when it ends)")
            return None
        compile_abandonably(runner, cache, stop)
        self.detail("compile", compile_detail(self.session, runner))


def compile_detail(session, runner) -> str:
    """The compile step in words: what was compiled (a component's core modules) and by what."""
    what = session.kind
    if what == "component":
        n = len(session.units())
        what = f"component, {n} core instance{'s' if n != 1 else ''}"
    how = runner.report.compile_detail()
    return f"{what}; {how}" if how else what
