"""Is the snapshot reproducible? Run init twice in fresh instances, compare, and say why they differ.

State that depends on clocks, randomness or the environment is frozen into the snapshot: every
instance of the output then shares the one value init happened to see (a hash seed, a start
time). Running init twice and comparing globals and memory bytes shows exactly which state that
is. All runs share one compiled module (compiling is the expensive part; instances are fresh).

When the two runs differ (and WASI gave init a host to ask), the cause of each differing byte and
global is found by intervention under the deterministic mode (:mod:`.runtime.host`): one run with
every source fixed, then one run per source with only that source changed (another seed, clocks
shifted by a day and a fraction of a second, one more environment variable ahead of the others). A difference that
changes with a source is that source's doing (the first of ``random``, ``clock``,
``environment`` when several change it); what no source changes is ``unknown``. A byte that
depends on a source keeps its value under one change with a chance of 1 in 256, so while
differences are left unexplained a second round varies every source once more (differently)
and the changes of both rounds count. Under
``--deterministic`` the sources were fixed already, so every difference is ``unknown``.
How the result reads (text, JSON) is :mod:`wizerscope.report`'s business.
"""
from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field

from ..binary.values import format_value
from .options import Options
from .pipeline import Hooks, Pipeline, Run, drive
from .runtime.host import DEFAULT_SEED, SOURCES
from .runtime.codestore import CodeCache
from .snapshot import Snapshot
from .statediff import MemoryDiff, SparseMemory, changed_ranges, union_spans

SHOWN_RUNS = 20          # differing byte runs listed per memory
ROUNDS = 2               # at most this many changes of each source (see the module docstring)
UNKNOWN = "unknown"
CLOCK_SHIFT_NS = 86_400_000_000_000 + 123_456_789     # a day and a fraction: every byte of a time moves
VARIED_ENV = ("WIZERSCOPE_VARIED", "1")

Changes = dict[str, tuple[list[int], list[int]]]      # source -> (starts, ends) of the bytes it changes


@dataclass(frozen=True)
class GlobalDifference:
    where: str
    index: int
    name: str | None
    type: str
    first: str
    second: str
    cause: str = UNKNOWN


@dataclass(frozen=True)
class CausedRange:
    """Bytes [start, end) that differ, and why."""

    start: int
    end: int
    cause: str


@dataclass(frozen=True)
class MemoryDifference:
    where: str
    memory: int
    first_length: int
    second_length: int
    changed_bytes: int
    run_count: int
    runs: tuple[CausedRange, ...]          # the first SHOWN_RUNS byte runs, split where the cause changes
    samples: tuple[tuple[str, str], ...]   # (first run's bytes, second run's bytes) as hex, per shown run
    bytes_by_cause: dict[str, int] = field(default_factory=dict)   # over every differing byte


@dataclass
class DeterminismResult:
    """What differed between two initializations of the same input with the same options."""

    kind: str
    init_func: str
    globals: list[GlobalDifference] = field(default_factory=list)
    memories: list[MemoryDifference] = field(default_factory=list)
    results: tuple[list, list] = ([], [])
    units: int = 0
    options: Options = field(default_factory=Options)
    interventions: list[str] = field(default_factory=list)    # the sources varied to find causes

    @property
    def deterministic(self) -> bool:
        return not self.globals and not self.memories and self.results[0] == self.results[1]

    def bytes_by_cause(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for m in self.memories:
            for cause, n in m.bytes_by_cause.items():
                total[cause] = total.get(cause, 0) + n
        return total


def split_by_cause(start: int, end: int, changes: Changes) -> list[CausedRange]:
    """[start, end) cut where its cause changes: the first source (in ``changes`` order) whose
    changed bytes cover a byte is its cause, else :data:`UNKNOWN`."""
    cuts = {start, end}
    covered: list[tuple[str, list[tuple[int, int]]]] = []
    for cause, (starts, ends) in changes.items():
        i = bisect.bisect_right(ends, start)
        spans = []
        while i < len(starts) and starts[i] < end:
            lo, hi = max(starts[i], start), min(ends[i], end)
            spans.append((lo, hi))
            cuts.update((lo, hi))
            i += 1
        covered.append((cause, spans))
    points = sorted(cuts)
    heads = [0] * len(covered)
    out: list[CausedRange] = []
    for a, b in zip(points, points[1:]):
        cause = UNKNOWN
        for k, (name, spans) in enumerate(covered):
            while heads[k] < len(spans) and spans[heads[k]][1] <= a:
                heads[k] += 1
            if heads[k] < len(spans) and spans[heads[k]][0] <= a:
                cause = name
                break
        if out and out[-1].cause == cause and out[-1].end == a:
            out[-1] = CausedRange(out[-1].start, b, cause)
        else:
            out.append(CausedRange(a, b, cause))
    return out


def memory_difference(where: str, index: int, a: SparseMemory, b: SparseMemory, changes: Changes) -> MemoryDifference:
    """How memory ``index`` differs between two runs, every run of bytes with its cause."""
    d = MemoryDiff.between(where, index, a, b)
    shown: list[CausedRange] = []
    by_cause: dict[str, int] = {}
    for s, e in zip(d.starts, d.ends):
        for piece in split_by_cause(s, e, changes):
            by_cause[piece.cause] = by_cause.get(piece.cause, 0) + piece.end - piece.start
            if len(shown) < SHOWN_RUNS:
                shown.append(piece)
    samples = tuple((a.read(r.start, min(r.end - r.start, 16)).hex(" "), b.read(r.start, min(r.end - r.start, 16)).hex(" "))
                    for r in shown)
    return MemoryDifference(where, index, a.length, b.length, d.changed_bytes, len(d.starts), tuple(shown), samples,
                            by_cause)


def compare_snapshots(where: str, names: dict[int, str], first: Snapshot, second: Snapshot,
                      report: DeterminismResult, causes: "Causes | None" = None) -> None:
    """Add the differences between two snapshots of the same module to ``report``."""
    for g in first.globals:
        other = second.global_value(g.index)
        if other is not None and other.bits != g.bits:
            cause = causes.of_global(where, g.index) if causes is not None else UNKNOWN
            report.globals.append(GlobalDifference(where, g.index, names.get(g.index), g.type.name,
                                                   format_value(g.type.name, g.bits),
                                                   format_value(g.type.name, other.bits), cause))
    for ms in first.memories:
        a = SparseMemory.from_snapshot(first, ms.index)
        b = SparseMemory.from_snapshot(second, ms.index)
        changes = causes.of_memory(where, ms.index) if causes is not None else {}
        diff = memory_difference(where, ms.index, a, b, changes)
        if diff.run_count or a.length != b.length:
            report.memories.append(diff)


class Causes:
    """What each source changes: a fixed run against runs with one source varied (one or more
    rounds; a byte counts as changed by a source when any of its rounds changed it)."""

    def __init__(self, base: Run) -> None:
        self.base = {ur.unit.label: ur.after for ur in base.units}
        self.varied: dict[str, list[dict[str, Snapshot]]] = {src: [] for src in SOURCES}

    def add(self, source: str, run: Run) -> None:
        self.varied[source].append({ur.unit.label: ur.after for ur in run.units})

    def of_global(self, where: str, index: int) -> str:
        base = self.base.get(where)
        mine = base.global_value(index) if base is not None else None
        for src, rounds in self.varied.items():
            for units in rounds:
                other = units[where].global_value(index) if where in units else None
                if mine is not None and other is not None and other.bits != mine.bits:
                    return src
        return UNKNOWN

    def of_memory(self, where: str, index: int) -> Changes:
        base = self.base.get(where)
        if base is None:
            return {}
        fixed = SparseMemory.from_snapshot(base, index)
        out: Changes = {}
        for src, rounds in self.varied.items():
            spans: list[tuple[int, int]] = []
            for units in rounds:
                if where in units:
                    starts, ends = changed_ranges(fixed, SparseMemory.from_snapshot(units[where], index))
                    spans = union_spans(spans, list(zip(starts, ends)))
            out[src] = ([s for s, _ in spans], [e for _, e in spans])
        return out


def varied(options: Options, source: str, round_: int = 0) -> Options:
    """``options`` (deterministic) with one host source changed; each round changes it differently."""
    k = round_ + 1
    if source == "random":
        seed = DEFAULT_SEED if options.seed is None else options.seed
        return dataclasses.replace(options, seed=(seed ^ (0x9E3779B97F4A7C15 * k)) & ((1 << 64) - 1))
    if source == "clock":
        return dataclasses.replace(options, clock_offset_ns=options.clock_offset_ns + k * CLOCK_SHIFT_NS + k * 7919)
    # first in the list: every later variable's strings (and the pointers to them) move
    return dataclasses.replace(options, env=[(VARIED_ENV[0] + "_" * round_, VARIED_ENV[1]), *options.env])


def find_causes(pipeline: Pipeline, options: Options, hooks: Hooks | None, cache: CodeCache) -> Causes:
    """The fixed run, and one round of runs with each source varied alone."""
    fixed = dataclasses.replace(options, deterministic=True)
    causes = Causes(drive(pipeline, fixed, hooks, cache=cache, rewrite=False))
    vary_once_more(causes, pipeline, fixed, hooks, cache)
    return causes


def vary_once_more(causes: Causes, pipeline: Pipeline, fixed: Options, hooks: Hooks | None,
                   cache: CodeCache) -> None:
    for src in SOURCES:
        run = drive(pipeline, varied(fixed, src, len(causes.varied[src])), hooks, cache=cache, rewrite=False)
        causes.add(src, run)


def _unexplained(report: DeterminismResult) -> bool:
    return any(g.cause == UNKNOWN for g in report.globals) or report.bytes_by_cause().get(UNKNOWN, 0) > 0


def check_determinism(pipeline: Pipeline, options: Options, hooks: Hooks | None = None,
                      cache: CodeCache | None = None) -> DeterminismResult:
    """Initialize twice with ``options`` (through the driver, stopping after the snapshot; later
    runs reuse the first one's compiled code) and report every global and memory byte that
    differs, with its cause (see the module docstring). ``hooks`` watch and cancel every run."""
    cache = cache if cache is not None else CodeCache()
    first = drive(pipeline, options, hooks, cache=cache, rewrite=False)
    second = drive(pipeline, options, hooks, cache=cache, rewrite=False)
    again = {ur.unit.key: ur.after for ur in second.units}
    pairs = [(ur, again[ur.unit.key]) for ur in first.units if ur.unit.key in again]
    report = DeterminismResult(pipeline.kind, options.init_func,
                               results=(list(first.init.results), list(second.init.results)), units=len(pairs),
                               options=options)
    for ur, other in pairs:
        compare_snapshots(ur.unit.label, ur.unit.module.names.globals, ur.after, other, report)
    if report.deterministic or not options.wasi or options.deterministic:
        return report
    causes = find_causes(pipeline, options, hooks, cache)
    for round_ in range(ROUNDS):
        if round_:
            vary_once_more(causes, pipeline, dataclasses.replace(options, deterministic=True), hooks, cache)
        explained = DeterminismResult(report.kind, report.init_func, results=report.results, units=report.units,
                                      options=options, interventions=list(SOURCES))
        for ur, other in pairs:
            compare_snapshots(ur.unit.label, ur.unit.module.names.globals, ur.after, other, explained, causes)
        if not _unexplained(explained):
            break
    return explained
