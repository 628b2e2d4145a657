"""What init learns from the host: clocks, randomness, the environment, and how often it asked.

Init code that reads a clock or random bytes freezes the value into the snapshot, so two runs (or
two machines) give different outputs. A :class:`Host` is the one place those sources come from
during a run, for core modules (WASI preview 1, :mod:`.host_p1`) and components (WASI p2,
:mod:`.host_p2`) alike, and it counts every host call it serves (:attr:`Host.calls`).

* Host mode (the default): the real clocks and the operating system's randomness, as wasmtime
  would give them.
* Deterministic mode (``--deterministic``, ``--seed N``): clocks start at a fixed instant
  (``SOURCE_DATE_EPOCH`` when set, else :data:`DEFAULT_EPOCH_S`) and advance by
  :data:`CLOCK_STEP_NS` at every read; random bytes come from a seeded generator (SHAKE-256 of the
  seed and a counter: the same bytes on every machine and Python version); the environment and the
  arguments are exactly what the options give (never the host's unless ``--inherit-env``).

Deterministic values are documented in ``docs/determinism.md``.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from ...errors import WizerscopeError

DEFAULT_SEED = 0
DEFAULT_EPOCH_S = 946_684_800          # 2000-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set
MONOTONIC_START_NS = 1_000_000_000     # the monotonic clock's first reading: 1 s after "boot"
CLOCK_STEP_NS = 1_000_000              # every clock read advances the clocks by 1 ms
RESOLUTION_NS = 1_000                  # the resolution every clock reports: 1 us
SOURCES = ("random", "clock", "environment")   # what the determinism check varies, in this order


def source_date_epoch() -> int:
    """The wall clock's start in seconds: ``SOURCE_DATE_EPOCH`` (reproducible-builds.org) when set,
    else :data:`DEFAULT_EPOCH_S`."""
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return DEFAULT_EPOCH_S
    try:
        value = int(text)
    except ValueError:
        raise WizerscopeError(f"SOURCE_DATE_EPOCH={text!r}: expected a whole number of seconds since 1970") from None
    if not 0 <= value < 1 << 40:
        raise WizerscopeError(f"SOURCE_DATE_EPOCH={text!r}: expected a whole number of seconds since 1970")
    return value


@dataclass(frozen=True)
class HostMode:
    """How a run's host sources behave; ``describe()`` is what reports and the inspector print."""

    deterministic: bool = False
    seed: int = DEFAULT_SEED
    epoch_s: int = DEFAULT_EPOCH_S
    offset_ns: int = 0                 # added to every clock reading (the determinism check's intervention)

    def describe(self) -> str:
        if not self.deterministic:
            return "host clocks and randomness"
        return f"deterministic (seed {self.seed}, clocks from {self.epoch_s} s since 1970)"


class SeededBytes:
    """An endless stream of bytes from a seed: SHAKE-256(seed, stream, block counter)."""

    BLOCK = 4096

    def __init__(self, seed: int, stream: str) -> None:
        self._key = f"wizerscope/{stream}/{seed}/".encode()
        self._block = 0
        self._buf = b""

    def take(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            if not self._buf:
                self._buf = hashlib.shake_256(self._key + str(self._block).encode()).digest(self.BLOCK)
                self._block += 1
            k = min(n - len(out), len(self._buf))
            out += self._buf[:k]
            self._buf = self._buf[k:]
        return bytes(out)


@dataclass
class Host:
    """The host sources of one run and the calls init made to them.

    ``calls`` counts host calls by import name (``wasi_snapshot_preview1.clock_time_get``,
    ``wasi:random/random@0.2.12#get-random-bytes``); ``file_bytes_read`` adds up what init read from
    files (``fd_read``/``fd_pread`` on descriptors other than stdin)."""

    mode: HostMode = field(default_factory=HostMode)
    environment: list[tuple[str, str]] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)
    file_bytes_read: int = 0

    def __post_init__(self) -> None:
        self._ticks = 0
        self._secure = SeededBytes(self.mode.seed, "random")
        self._insecure = SeededBytes(self.mode.seed, "insecure")
        self._seed_stream = SeededBytes(self.mode.seed, "insecure-seed")

    def count(self, name: str) -> None:
        self.calls[name] += 1

    # -- clocks (nanoseconds) ---------------------------------------------------------------------
    def _tick(self) -> int:
        t = self.mode.offset_ns + self._ticks * CLOCK_STEP_NS
        self._ticks += 1
        return t

    def wall_ns(self) -> int:
        if not self.mode.deterministic:
            return time.time_ns()
        return self.mode.epoch_s * 1_000_000_000 + self._tick()

    def monotonic_ns(self) -> int:
        if not self.mode.deterministic:
            return time.monotonic_ns()
        return MONOTONIC_START_NS + self._tick()

    def cpu_ns(self) -> int:
        """Process and thread CPU time."""
        if not self.mode.deterministic:
            return time.process_time_ns()
        return self._tick()

    def resolution_ns(self) -> int:
        return RESOLUTION_NS if self.mode.deterministic else 1

    # -- randomness -------------------------------------------------------------------------------
    def random_bytes(self, n: int) -> bytes:
        return self._secure.take(n) if self.mode.deterministic else os.urandom(n)

    def insecure_bytes(self, n: int) -> bytes:
        return self._insecure.take(n) if self.mode.deterministic else os.urandom(n)

    def insecure_seed(self) -> tuple[int, int]:
        raw = self._seed_stream.take(16) if self.mode.deterministic else os.urandom(16)
        return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")

    # -- what a report shows ----------------------------------------------------------------------
    def call_list(self) -> list[tuple[str, int]]:
        """(import, calls) in the order init first called them."""
        return list(self.calls.items())
