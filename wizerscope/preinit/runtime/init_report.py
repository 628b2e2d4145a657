"""What an init run produced besides the state: its results, the tails of its output, what
compiled it and the notes of the run (a retry, a cache left off). The sandbox fills it in; the
report, the inspector and the determinism check read it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .host import Host

# what the report keeps of each of init's output streams: the end, where a failure is explained
# (the whole stream went to the watcher as it was written; an init printing 1 GiB must not use 1 GiB)
OUTPUT_KEPT = 64 * 1024


class OutputTail:
    """The last ``limit`` bytes written to one stream, and how many came before them."""

    def __init__(self, limit: int = OUTPUT_KEPT) -> None:
        self.limit = limit
        self.buffer = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        self.buffer += data
        extra = len(self.buffer) - self.limit
        if extra > 0:
            del self.buffer[:extra]
            self.dropped += extra

    def value(self) -> bytes:
        return bytes(self.buffer)


@dataclass
class InitReport:
    """What the init run produced besides state: results, captured output, the compiler used."""

    results: list = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    called_initialize: bool = False
    compiler: str = ""                  # "winch" or "cranelift": what compiled the init code
    reused_code: bool = False           # the compiled code came from an earlier run's CodeCache
    mapped_code: bool = False           # ... or was mapped from the code store (an earlier process's)
    host: Host = field(default_factory=Host)   # the host sources and the host calls init made
    fuel_used: int | None = None        # with --fuel: what the start function and init consumed
    notes: list[str] = field(default_factory=list)   # one line each: a retry, a cache left off, ...
    output_dropped: int = 0             # bytes of stdout and stderr before the kept tails (OUTPUT_KEPT)
    winch_refused: str = ""             # why Winch could not compile the code (then Cranelift did)

    def compile_detail(self) -> str:
        """What compiled the init code, in a few words (the inspector's compile step shows it)."""
        if not self.compiler:
            return ""
        if self.reused_code:
            return f"{self.compiler}, code reused from an earlier run"
        if self.mapped_code:
            return f"{self.compiler}, mapped from the code cache"
        if self.winch_refused:
            return f"cranelift: Winch cannot compile it ({self.winch_refused})"
        return self.compiler
