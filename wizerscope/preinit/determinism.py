"""Is the snapshot reproducible? Run init twice in fresh instances and compare the states.

State that depends on clocks, randomness or the environment is frozen into the snapshot: every
instance of the output then shares the one value init happened to see (a hash seed, a start
time). Running init twice and comparing globals and memory bytes shows exactly which state that
is. Both runs share one compiled module (compiling is the expensive part; instances are fresh).
How the result reads (text, JSON) is :mod:`wizerscope.report`'s business.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ..binary.values import format_value
from .options import Options
from .pipeline import Hooks, Pipeline, drive
from .runtime.sandbox import CodeCache
from .snapshot import Snapshot
from .statediff import MemoryDiff, SparseMemory

SHOWN_RUNS = 20          # differing byte runs listed per memory


@dataclass(frozen=True)
class GlobalDifference:
    where: str
    index: int
    name: str | None
    type: str
    first: str
    second: str


@dataclass(frozen=True)
class MemoryDifference:
    where: str
    memory: int
    first_length: int
    second_length: int
    changed_bytes: int
    run_count: int
    runs: tuple[tuple[int, int], ...]      # the first SHOWN_RUNS (start, end) byte runs
    samples: tuple[tuple[str, str], ...]   # (first run's bytes, second run's bytes) as hex, per shown run


@dataclass
class DeterminismResult:
    """What differed between two initializations of the same input with the same options."""

    kind: str
    init_func: str
    globals: list[GlobalDifference] = field(default_factory=list)
    memories: list[MemoryDifference] = field(default_factory=list)
    results: tuple[list, list] = ([], [])
    units: int = 0

    @property
    def deterministic(self) -> bool:
        return not self.globals and not self.memories and self.results[0] == self.results[1]


def compare_snapshots(where: str, names: dict[int, str], first: Snapshot, second: Snapshot,
                      report: DeterminismResult) -> None:
    """Add the differences between two snapshots of the same module to ``report``."""
    for g in first.globals:
        other = second.global_value(g.index)
        if other is not None and other.bits != g.bits:
            report.globals.append(GlobalDifference(where, g.index, names.get(g.index), g.type.name,
                                                   format_value(g.type.name, g.bits),
                                                   format_value(g.type.name, other.bits)))
    for ms in first.memories:
        a = SparseMemory.from_snapshot(first, ms.index)
        b = SparseMemory.from_snapshot(second, ms.index)
        d = MemoryDiff.between(where, ms.index, a, b)
        if d.starts or a.length != b.length:
            runs = tuple(zip(d.starts[:SHOWN_RUNS], d.ends[:SHOWN_RUNS]))
            samples = tuple((a.read(s, min(e - s, 16)).hex(" "), b.read(s, min(e - s, 16)).hex(" "))
                            for s, e in runs)
            report.memories.append(MemoryDifference(where, ms.index, a.length, b.length, d.changed_bytes,
                                                    len(d.starts), runs, samples))


def check_determinism(pipeline: Pipeline, options: Options, hooks: Hooks | None = None,
                      cache: CodeCache | None = None) -> DeterminismResult:
    """Initialize twice with ``options`` (through the driver, stopping after the snapshot; the
    second run reuses the first one's compiled code) and report every global and memory byte
    that differs. ``hooks`` watch and cancel both runs as they watch one."""
    cache = cache if cache is not None else CodeCache()
    first = drive(pipeline, options, hooks, cache=cache, rewrite=False)
    second = drive(pipeline, options, hooks, cache=cache, rewrite=False)
    again = {ur.unit.key: ur.after for ur in second.units}
    pairs = [(ur, again[ur.unit.key]) for ur in first.units if ur.unit.key in again]
    report = DeterminismResult(pipeline.kind, options.init_func,
                               results=(list(first.init.results), list(second.init.results)), units=len(pairs))
    for ur, other in pairs:
        compare_snapshots(ur.unit.label, ur.unit.module.names.globals, ur.after, other, report)
    return report
