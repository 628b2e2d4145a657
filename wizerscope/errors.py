"""Error types shared by every layer.

Every error wizerscope raises on purpose derives from :class:`WizerscopeError`, so the CLI and the
TUI can turn any of them into a one-paragraph message and never show a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass


_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {0x7F: "\\x7f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def one_line(text: str) -> str:
    """``text`` with control characters escaped: names read from a binary (exports, imports,
    sections) may hold newlines, and a message must stay one paragraph on one line."""
    return text.translate(_CONTROL) if text and any(ord(ch) < 32 or ord(ch) == 0x7F for ch in text) else text


SHOWN_NAME_CHARS = 120


def shorten(name: str, limit: int = SHOWN_NAME_CHARS) -> str:
    """``name`` as views and messages show it: a name read from a binary may be up to 100,000
    bytes, which no line can hold, so a long one is cut and says how long it is."""
    if len(name) <= limit:
        return name
    return f"{name[:limit]}… ({len(name.encode('utf-8', 'surrogatepass')):,} bytes)"


class WizerscopeError(Exception):
    """A failure that is the input's or the environment's fault, explained in one paragraph."""

    def __init__(self, message: str, *, offset: int | None = None, hint: str | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = one_line(hint) if hint else hint

    def __str__(self) -> str:  # one paragraph: message, where, what to do
        text = self.message
        if self.offset is not None and f"offset {self.offset:#x}" not in text:
            text += f" (at byte offset {self.offset:#x})"
        if self.hint:
            text += f". {self.hint}"
        return text


class BinaryFormatError(WizerscopeError):
    """The bytes are not a well-formed Wasm binary (truncated, bad LEB128, bad section, ...)."""


@dataclass(frozen=True)
class Rejection:
    """One reason the input cannot be pre-initialized.

    ``rule`` is a stable identifier (e.g. ``forbidden-instruction``), ``message`` is the reference
    tool's exact wording where it has one, ``item`` names the offending thing (``func 12 $name``,
    ``global 3``, ``import env.memory``), ``path`` locates it inside a component tree, ``offset`` is
    the byte offset in the input file, and ``hint`` says what to change.
    """

    rule: str
    message: str
    item: str = ""
    offset: int | None = None
    hint: str = ""
    path: str = ""

    def __post_init__(self) -> None:
        for name in ("message", "item", "hint", "path"):
            object.__setattr__(self, name, one_line(getattr(self, name)))

    def describe(self) -> str:
        where = " / ".join(p for p in (self.path, self.item) if p)
        text = self.message
        if where:
            text += f" [{where}]"
        if self.offset is not None and f"offset {self.offset:#x}" not in text:
            text += f" at byte offset {self.offset:#x}"
        if self.hint:
            text += f". {self.hint}"
        return text


class RejectedError(WizerscopeError):
    """The input is well-formed but uses something that cannot be snapshotted."""

    def __init__(self, rejections: list[Rejection]) -> None:
        self.rejections = list(rejections)
        first = self.rejections[0]
        more = len(self.rejections) - 1
        message = first.describe()
        if more:
            message += f" (and {more} more rejection{'s' if more > 1 else ''})"
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class InitError(WizerscopeError):
    """The init run failed: instantiation, a trap, a timeout, an exit, a missing export."""

    def __init__(self, message: str, *, hint: str | None = None, backtrace: list[str] | None = None,
                 exit_code: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.backtrace = backtrace or []
        self.exit_code = exit_code

