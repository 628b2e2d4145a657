"""Is the snapshot reproducible? Run init twice in fresh instances and compare the states.

State that depends on clocks, randomness or the environment is frozen into the snapshot: every
instance of the output then shares the one value init happened to see (a hash seed, a start
time). Running init twice and comparing globals and memory bytes shows exactly which state that
is. Both runs share one compiled module (compiling is the expensive part; instances are fresh).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..binary.module import header_kind
from ..errors import RejectedError
from ..report import format_value
from .options import Options
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
class DeterminismReport:
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

    def describe(self) -> str:
        if self.deterministic:
            return (f"deterministic: two runs of `{self.init_func}` in fresh instances left identical "
                    f"globals and memories ({self.units} module instance{'s' if self.units != 1 else ''} "
                    "compared)")
        lines = [f"NOT deterministic: two runs of `{self.init_func}` in fresh instances differ. The "
                 "snapshot freezes whatever this run saw (clocks, randomness, environment)."]
        if self.results[0] != self.results[1]:
            lines.append(f"  init results: {self.results[0]} vs {self.results[1]}")
        for g in self.globals:
            label = f"global {g.index}" + (f" ${g.name}" if g.name else "")
            lines.append(f"  {_where(g.where)}{label} ({g.type}): {g.first} vs {g.second}")
        for m in self.memories:
            size = "" if m.first_length == m.second_length else \
                f", size {m.first_length} vs {m.second_length} bytes"
            lines.append(f"  {_where(m.where)}memory {m.memory}: {m.changed_bytes} bytes differ in "
                         f"{m.run_count} run{'s' if m.run_count != 1 else ''}{size}")
            for (s, e), (a, b) in zip(m.runs, m.samples):
                lines.append(f"    [{s:#x}, {e:#x}): {a} vs {b}")
            if m.run_count > len(m.runs):
                lines.append(f"    ... {m.run_count - len(m.runs)} more runs")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "init_func": self.init_func,
            "deterministic": self.deterministic,
            "instances_compared": self.units,
            "results": [list(map(str, self.results[0])), list(map(str, self.results[1]))],
            "globals": [g.__dict__ for g in self.globals],
            "memories": [{**m.__dict__, "runs": [list(r) for r in m.runs],
                          "samples": [list(s) for s in m.samples]} for m in self.memories],
        }


def _where(where: str) -> str:
    return f"{where}: " if where else ""


def compare_snapshots(where: str, names: dict[int, str], first: Snapshot, second: Snapshot,
                      report: DeterminismReport) -> None:
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


Watch = Callable[[object], None]


def _no_watch(runner: object) -> None:
    pass


def _compile(runner) -> None:
    runner.compile()


def _twice(make_runner, take, watch: Watch = _no_watch,
           compile_with: Watch = _compile) -> list[tuple[object, list]]:
    """(snapshot, init results) of two fresh instances sharing one compiled module. ``watch``
    sees the live runner before every step (it may raise to stop, or keep the runner to
    interrupt it from another thread)."""
    runs = []
    first = None
    for _ in range(2):
        runner = make_runner()
        try:
            if first is None:
                watch(runner)
                compile_with(runner)
                first = runner
            else:
                runner.share_compiled(first)
            watch(runner)
            runner.instantiate()
            watch(runner)
            runner.initialize()
            runs.append((take(runner), list(runner.report.results)))
        finally:
            runner.close()
    return runs


def _core_snapshots(wasm: bytes, opts: Options, watch: Watch, compile_with: Watch):
    from .instrument import instrument_module
    from .pipeline import analyze_module
    from .run import CoreRunner, check_init_export
    from .snapshot import snapshot
    m, rejections = analyze_module(wasm)
    if rejections:
        raise RejectedError(rejections)
    check_init_export(m, opts.init_func)
    instrumented, ins = instrument_module(m)
    runs = _twice(lambda: CoreRunner(instrumented, m, opts, interruptible=watch is not _no_watch),
                  lambda runner: snapshot(ins, runner), watch, compile_with)
    return [("", m.names.globals, runs[0][0], runs[1][0])], (runs[0][1], runs[1][1])


def _component_snapshots(wasm: bytes, opts: Options, watch: Watch, compile_with: Watch):
    from .component.instrument import instrument_component
    from .component.pipeline import analyze_component
    from .component.run import ComponentRunner
    from .component.snapshot import snapshot_component
    c, rejections = analyze_component(wasm)
    if rejections:
        raise RejectedError(rejections)
    instrumented, table = instrument_component(c)
    runs = _twice(lambda: ComponentRunner(instrumented, opts, interruptible=watch is not _no_watch),
                  lambda runner: snapshot_component(table, runner), watch, compile_with)
    units = []
    for site in table.sites:
        a, b = runs[0][0].modules.get(site.key), runs[1][0].modules.get(site.key)
        if a is not None and b is not None:
            units.append((site.label, site.module.names.globals, a, b))
    return units, (runs[0][1], runs[1][1])


def check_determinism(wasm: bytes, opts: Options, *, watch: Watch | None = None,
                      compile_with: Watch | None = None) -> DeterminismReport:
    """Initialize ``wasm`` twice with ``opts`` and report every global and memory byte that differs.
    With ``watch`` the runs are interruptible: it is called with each runner before every step
    (see :meth:`wizerscope.session.Session.check_determinism`, which cancels through it);
    ``compile_with(runner)`` compiles (the session's can be abandoned)."""
    kind = header_kind(wasm)
    units, results = (_core_snapshots if kind == "module" else _component_snapshots)(
        wasm, opts, watch or _no_watch, compile_with or _compile)
    report = DeterminismReport(kind, opts.init_func, results=results, units=len(units))
    for where, names, first, second in units:
        compare_snapshots(where, names, first, second, report)
    return report
