"""The exception a signal ends a headless run with, apart from the signal guard (:mod:`.signals`),
so that the command line's entry point can name it without importing the run's code (wasmtime
and every stage) before its arguments are parsed and the input's read has started."""
from __future__ import annotations

import signal


class Interrupted(BaseException):
    """A signal ended the run (BaseException: no ``except Exception`` of ours swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
