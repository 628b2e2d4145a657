"""``--measure-startup``: what pre-initialization buys each start of the program.

Without pre-initialization every start instantiates the input and runs its init; with it, a start
only instantiates the output. Both are timed N times in wasmtime-py, each in a fresh store on code
compiled once (compiling is paid once per process either way, so it is left out), and summarised
by the median and the spread (fastest to slowest). Whether wasmtime can map a memory's initial
image copy-on-write instead of copying its data segments at each instantiation follows its rules
for static memory initialisation: a defined, unshared memory whose segments all have constant,
in-bounds offsets, and whose page-aligned image is at most 16 MiB (wasmtime's
``memory_guaranteed_dense_image_size``) or at least half non-zero. See docs/anatomy.md.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from .instrument import Unit
from .options import Options
from .snapshot import Snapshot

DEFAULT_RUNS = 10
DENSE_ALWAYS = 16 << 20           # wasmtime's default memory_guaranteed_dense_image_size
HOST_PAGE = 4096


@dataclass
class Startup:
    without_preinit_s: float       # median of instantiate + init of the input
    with_preinit_s: float          # median of instantiate of the output
    speedup: float
    memory_image: str              # "copy-on-write" or why the image is copied
    runs: int
    without_spread_s: float        # slowest minus fastest
    with_spread_s: float

    def describe(self) -> str:
        return (f"start-up {_ms(self.without_preinit_s)} → {_ms(self.with_preinit_s)} ({self.speedup:.0f}×), "
                f"median of {self.runs} runs (spread {_ms(self.without_spread_s)} and {_ms(self.with_spread_s)}); "
                f"memory image: {self.memory_image}")


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.3f} ms"


def _times(runner, n: int, with_init: bool) -> list[float]:
    """``n`` timed starts on ``runner``'s compiled code, each in a fresh store, after one untimed
    start (the first pays for lazily built state such as the memory image)."""
    runner.compile()
    out = []
    sandbox = runner.sandbox
    for _ in range(n + 1):
        sandbox.new_store(sandbox.engine)
        t = time.perf_counter()
        runner.instantiate()
        if with_init:
            runner.initialize()
        out.append(time.perf_counter() - t)
    return out[1:]


def _timed(pipeline, binary: bytes, options: Options, n: int, with_init: bool) -> list[float]:
    runner = pipeline.runner(binary, options, interruptible=False)
    try:
        return _times(runner, n, with_init)
    finally:
        runner.close()
        runner.release()


def measure_startup(input_pipeline, output_pipeline, options: Options, states: list[tuple[Unit, Snapshot]],
                    runs: int = DEFAULT_RUNS) -> Startup:
    """Time ``runs`` starts of the input (with init) and of the output (``output_pipeline``'s
    binary, without); ``states`` are the snapshots the output was written from."""
    without = _timed(input_pipeline, bytes(input_pipeline.wasm), options, runs, True)
    with_ = _timed(output_pipeline, bytes(output_pipeline.wasm), options, runs, False)
    a, b = statistics.median(without), statistics.median(with_)
    return Startup(a, b, a / b if b > 0 else 0.0, memory_image(states), runs, max(without) - min(without),
                   max(with_) - min(with_))


def memory_image(states: list[tuple[Unit, Snapshot]]) -> str:
    """How wasmtime initialises the output's memories: "copy-on-write" when every snapshotted
    memory qualifies, else the first reason one does not."""
    reasons = [r for unit, snap in states for r in _memory_reasons(unit, snap)]
    return "copy-on-write" if not reasons else "copied at each instantiation: " + reasons[0]


def _memory_reasons(unit: Unit, snap: Snapshot) -> list[str]:
    out = []
    where = f"{unit.path} " if unit.path else ""
    for ms in snap.memories:
        if ms.type.shared:
            out.append(f"{where}memory {ms.index} is shared")
            continue
        segs = [s for s in snap.segments if s.memory == ms.index]
        if not segs:
            continue
        lo = min(s.offset for s in segs) // HOST_PAGE * HOST_PAGE
        hi = -(-max(s.offset + len(s.data) for s in segs) // HOST_PAGE) * HOST_PAGE
        data = sum(len(s.data) for s in segs)
        if hi - lo > DENSE_ALWAYS and 2 * data < hi - lo:
            out.append(f"{where}memory {ms.index}'s image is {(hi - lo) >> 20} MiB and {100 * data / (hi - lo):.0f}% "
                       "non-zero (above 16 MiB wasmtime needs it at least half dense)")
    return out
