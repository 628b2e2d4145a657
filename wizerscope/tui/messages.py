"""Typed messages the inspector's thread workers post to the app (``post_message`` is thread
safe), instead of calling into the UI from another thread. Progress updates merge: a run that
moves through its steps faster than the screen repaints posts only the latest one."""
from __future__ import annotations

import threading

from textual.message import Message


class SessionLoaded(Message):
    """A file was read and parsed; ``painted`` is set once its structure is on screen."""

    def __init__(self, session, painted: threading.Event) -> None:
        super().__init__()
        self.session = session
        self.painted = painted


class LoadFailed(Message):
    """``path`` could not be opened: ``error`` in one paragraph, ``lines`` the whole diagnostic."""

    def __init__(self, path: str, error: str, lines: list[str] | None = None) -> None:
        super().__init__()
        self.path = path
        self.error = error
        self.lines = lines or [error]


class ChecksDone(Message):
    """Validation and the reference's rules ran on ``session``."""

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session


class RunProgress(Message):
    """A step began; ``prefix`` names the run for the determinism check (``run 2 · ``)."""

    def __init__(self, step: str, index: int, total: int, prefix: str = "") -> None:
        super().__init__()
        self.step, self.index, self.total, self.prefix = step, index, total, prefix

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunProgress)


class StepDetail(Message):
    """More about a step once it is done (``compile``: what was compiled and by which compiler)."""

    def __init__(self, step: str, text: str) -> None:
        super().__init__()
        self.step, self.text = step, text


class InitOutput(Message):
    """A piece of init's stdout or stderr, as init wrote it (consecutive pieces are not merged)."""

    def __init__(self, stream: str, data: bytes) -> None:
        super().__init__()
        self.stream, self.data = stream, data


class RunFinished(Message):
    def __init__(self, outcome) -> None:
        super().__init__()
        self.outcome = outcome


class CompareReady(Message):
    """A comparison of two binaries was made, or ``error`` says why it could not be."""

    def __init__(self, comparison, error: str | None) -> None:
        super().__init__()
        self.comparison = comparison
        self.error = error


class DeterminismFinished(Message):
    """The determinism check's result, or the error that stopped it."""

    def __init__(self, result, error: str | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class Prepared(Message):
    """A worker computed what tab ``tab`` needs of ``session``'s last run (``tab`` None: every
    tab, after a run; ``lines`` are then the run log's lines on the output)."""

    def __init__(self, session, tab: str | None, lines: list[str] | None = None) -> None:
        super().__init__()
        self.session, self.tab, self.lines = session, tab, lines or []
