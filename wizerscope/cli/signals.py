"""Ctrl-C and SIGTERM for the headless commands: stop a running init promptly, clean up, exit 128+N.

Python runs its signal handlers only between bytecodes, in the main thread; while wasm runs
there the main thread is in native code, so a plain handler would wait for init to finish (an
endless init would ignore Ctrl-C for ever). Instead the C-level handler's wake-up byte
(:func:`signal.set_wakeup_fd`) is read by a small thread, which interrupts the running init
through epoch interruption; the trap comes back to Python and unwinds through every ``finally``
(the runner's clean-up, the atomic write's temporary file). The Python-level handler raises
:class:`Interrupted` only when no wasm runs: raising inside one of wasmtime-py's callbacks (a
host function, a captured-output write) would be swallowed there. A second signal always raises.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Callable, Iterator

from ..preinit.pipeline import Hooks, Trace, compile_abandonably
from .interrupted import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SignalGuard:
    """The state shared by the handler, the wake-up thread and the run's hooks."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.runner = None
        self._lock = threading.Lock()

    # -- the three parties ----------------------------------------------------------------------
    def handle(self, signum: int, frame) -> None:
        """The Python-level handler (main thread)."""
        first = self.received is None
        self.received = signum
        if not first or self.runner is None:
            raise Interrupted(signum)

    def wake(self) -> None:
        """A signal arrived (wake-up thread): interrupt the running init, if any."""
        with self._lock:
            runner = self.runner
        if runner is not None:
            runner.interrupt()

    def attach(self, runner) -> None:
        """``runner`` is the run a signal interrupts from now on (None: no wasm runs)."""
        with self._lock:
            self.runner = runner
        if runner is not None and self.received is not None:
            runner.interrupt()

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal came while it could not be raised."""
        if self.received is not None:
            raise Interrupted(self.received)

    def hooks(self, output: Callable[[str, bytes], None] | None = None) -> Hooks:
        """Hooks for :func:`~wizerscope.preinit.pipeline.drive` that let this guard stop the run
        (and pass init's output to ``output`` as it is written)."""
        return _GuardHooks(self) if output is None else _StreamingHooks(self, output)


class _GuardHooks(Hooks):
    interruptible = True

    def __init__(self, guard: SignalGuard) -> None:
        self.guard = guard

    def step(self, name: str, trace: Trace) -> None:
        self.guard.check()

    def started(self, runner) -> None:
        self.guard.attach(runner)

    def stopped(self, runner) -> None:
        self.guard.attach(None)      # check() comes at the next step (no raise inside drive's finally)

    def compile(self, runner, cache) -> None:
        """Ctrl-C need not wait for a compile (see ``compile_abandonably``)."""
        compile_abandonably(runner, cache, lambda: Interrupted(self.guard.received)
                            if self.guard.received is not None else None)


@contextlib.contextmanager
def guarded() -> Iterator[SignalGuard]:
    """Install the handlers and the wake-up thread for the block; an error raised because a
    signal stopped the run (a "cancelled" trap) becomes :class:`Interrupted`."""
    guard = SignalGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    r, w = os.pipe()
    os.set_blocking(w, False)
    # a signal ignored when we started stays ignored (``nohup``, a background job's SIGINT)
    old = {s: signal.signal(s, guard.handle) for s in SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}
    old_fd = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    thread = threading.Thread(target=_read_wakeups, args=(r, guard), daemon=True, name="wizerscope-signals")
    thread.start()
    try:
        yield guard
        guard.check()
    except Interrupted:
        raise
    except Exception as e:          # typically Cancelled: the trap our interruption caused
        if guard.received is not None:
            raise Interrupted(guard.received) from e
        raise
    finally:
        signal.set_wakeup_fd(old_fd)
        for s, h in old.items():
            signal.signal(s, h)
        os.close(w)               # the thread sees end-of-file and ends
        thread.join(1)
        os.close(r)


def _read_wakeups(fd: int, guard: SignalGuard) -> None:
    while True:
        try:
            data = os.read(fd, 64)
        except OSError:
            return
        if not data:
            return
        guard.wake()


class _StreamingHooks(_GuardHooks):
    def __init__(self, guard: SignalGuard, output: Callable[[str, bytes], None]) -> None:
        super().__init__(guard)
        self.forward = output

    def output(self, stream: str, data: bytes) -> None:
        self.forward(stream, data)
