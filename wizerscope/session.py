"""What a person explores: one input, its structure, its init candidates, one run, its diff.

The inspector (``wizerscope FILE``) and ``wizerscope inspect`` both read a :class:`Session`; it
drives only the pre-init engine's public API (analyze, instrument, the runners step by step,
snapshot, rewrite) and turns the results into plain rows and trees. The run stops between
instantiation and init to snapshot the instance, so "before" is the real state init started from
(data segments applied, start function run), not a guess from the binary. Nothing here imports
Textual or Rich, so the headless ``inspect --json`` path stays light.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .binary.instructions import const_bits
from .binary.module import Module, header_kind, parse_module
from .errors import InitError, RejectedError, Rejection, WizerscopeError
from .loading import read_input, write_output
from .preinit.instrument import Instrumentation, probes
from .preinit.options import Options, check_renames
from .preinit.run import InitReport
from .preinit.snapshot import Snapshot
from .preinit.statediff import MemoryDiff, SparseMemory
from .report import format_value

STEPS = ("check", "instrument", "compile", "instantiate", "snapshot before", "init", "snapshot after",
         "rewrite", "validate", "done")
HEX_CONTEXT = 32


class OutputExists(WizerscopeError):
    """The chosen output file exists; the caller asks before overwriting."""


# -- plain data the views show ------------------------------------------------------------------
@dataclass
class Candidate:
    """An export that could serve as init function, and why it can or cannot."""

    name: str
    kind: str
    signature: str
    usable: bool
    reason: str = ""
    default: bool = False


@dataclass
class TreeNode:
    """One node of the structure tree: a label, its details, its children, where it is."""

    label: str
    kind: str
    details: list[tuple[str, str]] = field(default_factory=list)
    children: list["TreeNode"] = field(default_factory=list)
    offset: int | None = None
    size: int | None = None

    def find(self, label_prefix: str) -> "TreeNode | None":
        """The first node (depth first) whose label starts with ``label_prefix``."""
        if self.label.startswith(label_prefix):
            return self
        for c in self.children:
            hit = c.find(label_prefix)
            if hit is not None:
                return hit
        return None


@dataclass
class Unit:
    """A module whose state is snapshotted: the input itself, or an instantiated module of a component."""

    label: str                 # "" for a core module input, else e.g. "core module 3"
    key: tuple[str, int]       # (component path, module index); ("", 0) for a core input
    module: Module
    probes: Instrumentation


@dataclass
class GlobalRow:
    where: str
    index: int
    name: str | None
    type: str
    mutable: bool
    init: str
    before: str | None = None
    after: str | None = None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass
class DataSegmentInfo:
    index: int
    mode: str
    memory: int
    offset: str                # the offset expression's value, or "" for passive
    length: int


@dataclass
class MemoryRow:
    where: str
    index: int
    type: str
    minimum: int
    maximum: int | None
    page_size: int
    memory64: bool
    shared: bool
    bytes_before: int | None = None
    bytes_after: int | None = None
    segments: list[DataSegmentInfo] = field(default_factory=list)


@dataclass
class SegmentRow:
    """One final data segment and how it came to be."""

    where: str
    memory: int
    start: int
    end: int
    raw_runs: int              # non-zero runs it covers
    gap_bytes: int             # zero bytes merged in
    cap_merges: int            # merges the 10,000-segment cap forced inside it

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class SegmentTotals:
    raw_runs: int = 0
    merged: int = 0
    cap_merges: int = 0
    segments: int = 0
    data_bytes: int = 0
    input_size: int = 0
    output_size: int | None = None


@dataclass
class UnitRun:
    unit: Unit
    before: Snapshot | None
    after: Snapshot
    rewrite: object | None = None       # RewriteLog


@dataclass
class RunOutcome:
    """One run: what it produced, or how it failed, with everything captured on the way."""

    init_func: str
    init: InitReport = field(default_factory=InitReport)
    output: bytes | None = None
    error: WizerscopeError | None = None
    units: list[UnitRun] = field(default_factory=list)
    instrumentation: object | None = None    # Instrumentation | ComponentInstrumentation
    component_rewrite: object | None = None  # ComponentRewriteLog
    steps_done: list[str] = field(default_factory=list)
    current_step: str = ""                   # the step that was running when it ended
    timings: dict[str, float] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.output is not None

    @property
    def backtrace(self) -> list[str]:
        return getattr(self.error, "backtrace", []) if self.error is not None else []


@dataclass
class WriteReport:
    path: str
    size: int
    input_size: int


class Cancelled(InitError):
    """The user stopped the run."""


Progress = Callable[[str, int, int], None]


# -- the session --------------------------------------------------------------------------------
class Session:
    """One input file being explored; see the module docstring."""

    def __init__(self, path: str, wasm: bytes, *, check: bool = True) -> None:
        self.path = path
        self.wasm = wasm
        self.kind = "module"
        self.module: Module | None = None
        self.component = None
        self.rejections: list[Rejection] = []
        self.checked = False
        self._check_lock = threading.Lock()
        self.options = Options()
        self.last_run: RunOutcome | None = None
        self._runner = None
        self._specialised = None
        self._cancel = threading.Event()
        self._diffs: list[MemoryDiff] | None = None
        self._accessors: list[dict] | None = None
        self._segments: tuple[RunOutcome, list[SegmentRow]] | None = None
        self._parse()
        if check:
            self.check()

    @classmethod
    def open(cls, path: str, *, check: bool = True) -> "Session":
        """Read and parse ``path`` (binary or WAT), then check it unless ``check`` is False (the
        inspector shows the structure first and checks afterwards). Rejections and format errors are
        kept, not raised: a rejected input is exactly what a person opens the inspector to understand."""
        return cls(path, read_input(path), check=check)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    # -- analysis ---------------------------------------------------------------------------
    def _parse(self) -> None:
        """The structure only (fast: no validation, no instruction scan)."""
        try:
            self.kind = header_kind(self.wasm)
            if self.kind == "module":
                self.module = parse_module(self.wasm)
            else:
                from .binary.component import parse_component
                self.component = parse_component(self.wasm)
        except WizerscopeError as e:
            self.rejections = [Rejection("format", e.message, offset=e.offset,
                                         hint=e.hint or "the file is not a well-formed Wasm binary")]
        usable = [c.name for c in self.candidates() if c.usable]
        if "wizer-initialize" not in usable:
            usable = [name for name in usable if name != "_initialize"]
            if len(usable) == 1:      # one obvious choice; otherwise keep the reference's default
                self.options.init_func = usable[0]

    def check(self) -> list[Rejection]:
        """Validate and apply every rule of the reference (SPEC 2.1-2.3, 3.1); the rejections.
        Runs once; a run started while the inspector's loader is still checking waits for it."""
        with self._check_lock:
            if not self.checked:
                self._check()
                self.checked = True
        return self.rejections

    def _check(self) -> None:
        if self.module is not None:
            from .preinit import engine as engines
            from .preinit.check import check_module
            try:
                engines.validate(self.wasm)
            except WizerscopeError as e:
                self.rejections = [_validation_rejection(e)]
            else:
                self.rejections = check_module(self.module)
        elif self.component is not None:
            from .preinit.component.check import check_component, validation_rejections
            self.rejections = validation_rejections(self.component) or check_component(self.component)
        elif self.kind == "module":             # unparseable: let wasmtime say what it thinks first
            from .preinit import engine as engines
            try:
                engines.validate(self.wasm)
            except WizerscopeError as e:
                self.rejections.insert(0, _validation_rejection(e))

    @property
    def loaded(self) -> bool:
        """False when the file could not even be parsed (only the format rejection is left to show)."""
        return self.module is not None or self.component is not None

    def units(self) -> list[Unit]:
        """Every module whose state a run snapshots, in the order the engine visits them."""
        if self.module is not None:
            return [Unit("", ("", 0), self.module, probes(self.module))]
        out = []
        if self.component is not None:
            for comp in self._runnable_component().walk():
                for mi, m in enumerate(comp.modules):
                    if len(comp.instantiations(mi)) == 1:
                        label = comp.item_path(f"core module {mi}")
                        if mi in comp.copy_of:
                            label += f" (copy of core module {comp.copy_of[mi]})"
                        out.append(Unit(label, (comp.path, mi), m, probes(m)))
        return out

    def _runnable_component(self):
        """The component the engine runs: the input, or once it passed the check, its
        specialisation (a module instantiated twice becomes one copy per instance)."""
        if self.component is None or not self.checked or self.rejections:
            return self.component
        if self._specialised is None:
            from .preinit.component.specialise import specialise
            self._specialised = specialise(self.component)
        return self._specialised

    def reference_gaps(self):
        """Where `wasmtime wizer` would refuse, crash on or break this input and wizerscope does
        not (:mod:`wizerscope.preinit.reference_gaps`), for the current options."""
        from .preinit.reference_gaps import reference_gaps
        return reference_gaps(self.module if self.module is not None else self.component, self.options)

    def candidates(self) -> list[Candidate]:
        """Exports usable as init function, with the reason beside those that are not."""
        if self.module is not None:
            return _module_candidates(self.module)
        if self.component is not None:
            return _component_candidates(self.component)
        return []

    def structure(self) -> TreeNode:
        """The input as a tree (see :mod:`wizerscope.session_tree`)."""
        from .session_tree import component_tree, module_tree
        if self.module is not None:
            return module_tree(self.module, self.name, len(self.wasm))
        if self.component is not None:
            return component_tree(self.component, self.name, len(self.wasm))
        return TreeNode(self.name, "file", [("size", f"{len(self.wasm):,} bytes"),
                                             ("status", "not a well-formed Wasm binary")])

    def hex_context(self, offset: int, radius: int = HEX_CONTEXT) -> list[tuple[int, bytes]]:
        """16-byte lines of the input around ``offset`` (for a rejection's location)."""
        lo = max(0, (offset - radius) // 16 * 16)
        hi = min(len(self.wasm), offset + radius + 1)
        return [(o, self.wasm[o:min(o + 16, hi)]) for o in range(lo, hi, 16)]

    # -- rows --------------------------------------------------------------------------------
    def _run_of(self, unit: Unit) -> UnitRun | None:
        if self.last_run is None or not self.last_run.ok:
            return None
        for ur in self.last_run.units:
            if ur.unit.key == unit.key:
                return ur
        return None

    def global_rows(self) -> list[GlobalRow]:
        """Every defined global of every unit; with a successful run, its value before and after init."""
        rows = []
        for unit in self.units():
            m = unit.module
            ur = self._run_of(unit)
            for k, g in enumerate(m.globals):
                gi = m.num_imported_globals + k
                t = g.type.value.name
                bits = const_bits(g.init_expr)
                init = format_value(t, bits) if bits is not None else "expr " + g.init_expr.hex()
                row = GlobalRow(unit.label, gi, m.names.globals.get(gi), t, g.type.mutable, init)
                if ur is not None and g.type.mutable:
                    after = ur.after.global_value(gi)
                    before = ur.before.global_value(gi) if ur.before is not None else None
                    row.after = format_value(t, after.bits) if after else None
                    row.before = format_value(t, before.bits) if before else init
                rows.append(row)
        return rows

    def memory_rows(self) -> list[MemoryRow]:
        """Every defined memory with its limits, its data segments and (after a run) its sizes."""
        rows = []
        for unit in self.units():
            m = unit.module
            ur = self._run_of(unit)
            segs_by_mem: dict[int, list[DataSegmentInfo]] = {}
            for i, s in enumerate(m.segments):
                off = const_bits(s.offset_expr) if s.mode == "active" else None
                info = DataSegmentInfo(i, s.mode, s.memory, "" if off is None else f"{off:#x}", s.length)
                segs_by_mem.setdefault(s.memory, []).append(info)
            for k, mt in enumerate(m.memories):
                mi = m.num_imported_memories + k
                row = MemoryRow(unit.label, mi, str(mt), mt.minimum, mt.maximum, mt.page_size, mt.memory64,
                                mt.shared, segments=segs_by_mem.get(mi, []))
                if ur is not None:
                    after = ur.after.memory_state(mi)
                    before = ur.before.memory_state(mi) if ur.before is not None else None
                    row.bytes_after = after.byte_length if after else None
                    row.bytes_before = before.byte_length if before else mt.minimum * mt.page_size
                rows.append(row)
        return rows

    def memory_diffs(self) -> list[MemoryDiff]:
        """Before/after of every memory of the last successful run (computed once)."""
        if self._diffs is None:
            self._diffs = []
            if self.last_run is not None and self.last_run.ok:
                for ur in self.last_run.units:
                    for ms in ur.after.memories:
                        after = SparseMemory.from_snapshot(ur.after, ms.index)
                        before = SparseMemory.from_snapshot(ur.before, ms.index) if ur.before is not None \
                            else SparseMemory(0)
                        self._diffs.append(MemoryDiff.between(ur.unit.label, ms.index, before, after))
        return self._diffs

    def segment_rows(self) -> list[SegmentRow]:
        """Final segments of the last run with the raw runs, gaps and cap merges inside each."""
        if self.last_run is None or not self.last_run.ok:
            return []
        if self._segments is None or self._segments[0] is not self.last_run:
            rows: list[SegmentRow] = []
            for ur in self.last_run.units:
                rows.extend(_segment_rows(ur.unit.label, ur.after))
            self._segments = (self.last_run, rows)
        return self._segments[1]

    def raw_runs_in(self, row: SegmentRow) -> list[tuple[int, int, int | None]]:
        """The non-zero runs a final segment covers: (start, end, zero gap before it inside the segment)."""
        import bisect
        for ur in self.last_run.units if self.last_run is not None and self.last_run.ok else []:
            if ur.unit.label != row.where:
                continue
            raw = ur.after.plan.raw          # sorted by (memory, start): bisect the memory, then the start
            lo = bisect.bisect_left(raw.memory, row.memory)
            hi = bisect.bisect_right(raw.memory, row.memory)
            i = bisect.bisect_left(raw.start, row.start, lo, hi)
            out: list[tuple[int, int, int | None]] = []
            prev_end = None
            while i < hi and raw.start[i] < row.end:
                s, e = raw.start[i], raw.end[i]
                out.append((s, e, None if prev_end is None else s - prev_end))
                prev_end = e
                i += 1
            return out
        return []

    def segment_totals(self) -> SegmentTotals:
        """Counts through the segment algorithm's stages, and input vs output size."""
        t = SegmentTotals(input_size=len(self.wasm))
        if self.last_run is None or not self.last_run.ok:
            return t
        for ur in self.last_run.units:
            plan = ur.after.plan
            t.raw_runs += len(plan.raw)
            t.merged += len(plan.merged_arrays)
            t.cap_merges += len(plan.cap_arrays)
            t.segments += len(plan.final_arrays)
            t.data_bytes += sum(len(s.data) for s in ur.after.segments)
        t.output_size = len(self.last_run.output) if self.last_run.output is not None else None
        return t

    def instrumentation_rows(self) -> list[tuple[str, str, str, str]]:
        """(module, export added, what it exposes, type) for every `__wizer_*` export."""
        rows = []
        for unit in self.units():
            for g in unit.probes.globals:
                rows.append((unit.label or self.name, g.export, f"global {g.index}", str(g.type)))
            for mp in unit.probes.memories:
                rows.append((unit.label or self.name, mp.export, f"memory {mp.index}", str(mp.type)))
        return rows

    def accessor_rows(self) -> list[dict]:
        """The component accessor table (from the last run's instrumentation, else built now)."""
        if self.component is None or self.check():
            return []
        table = self.last_run.instrumentation if self.last_run is not None and \
            self.last_run.instrumentation is not None else None
        if table is None:
            if self._accessors is None:
                from .preinit.component.instrument import instrument_component
                self._accessors = instrument_component(self.component)[1].to_json()
            return self._accessors
        return table.to_json()

    def rewrite_changes(self) -> list[tuple[str, str, str]]:
        """(module, section, change) for every change the rewrite made, section by section."""
        from .session_tree import rewrite_changes
        if self.last_run is None or not self.last_run.ok:
            return []
        return rewrite_changes(self.last_run, self.name)

    # -- running -----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop a running init from another thread (epoch interruption) or before the next step."""
        self._cancel.set()
        runner = self._runner
        if runner is not None:
            runner.interrupt()

    def check_determinism(self):
        """Run init twice in fresh instances and compare (``preinit.determinism``); cancellable
        with :meth:`cancel` like a run (before each step, and during init by epoch interruption).
        Raises WizerscopeError (Cancelled when cancelled)."""
        from .preinit.determinism import check_determinism
        self._cancel.clear()

        def watch(runner) -> None:
            self._runner = runner              # first: cancel() either sees it or we see the flag
            if self._cancel.is_set():
                raise Cancelled("determinism check cancelled")

        try:
            return check_determinism(self.wasm, self.options, watch=watch, compile_with=self._compile_cancellable)
        except InitError as e:
            if self._cancel.is_set() and not isinstance(e, Cancelled):
                raise Cancelled("determinism check cancelled") from None
            raise
        finally:
            self._runner = None

    def run(self, progress: Progress | None = None) -> RunOutcome:
        """Run the init function step by step; never raises WizerscopeError (it lands in the outcome)."""
        self._cancel.clear()
        self._diffs = None
        out = RunOutcome(self.options.init_func)
        say = progress or (lambda step, i, n: None)
        try:
            if not self.loaded:
                raise WizerscopeError("the input could not be parsed; nothing to run")
            if self.check():
                raise RejectedError(self.rejections)
            (self._run_module if self.module is not None else self._run_component)(out, say)
        except WizerscopeError as e:
            out.error = e
            out.cancelled = isinstance(e, Cancelled) or (isinstance(e, InitError) and e.message.endswith("cancelled"))
        finally:
            if self._runner is not None:
                out.init = self._runner.report
                out.timings.update(self._runner.report.timings)
                self._runner.close()
                self._runner = None
        self.last_run = out
        return out

    def _step(self, out: RunOutcome, say: Progress, name: str) -> None:
        """Finish the current step and start ``name`` (unless the user cancelled meanwhile)."""
        if self._cancel.is_set():
            raise Cancelled(f"cancelled before {name}")
        if out.current_step:
            out.steps_done.append(out.current_step)
        out.current_step = name
        say(name, STEPS.index(name), len(STEPS))

    def _compile_cancellable(self, runner) -> None:
        """Compile on a helper thread and wait for it or for :meth:`cancel`. wasmtime cannot stop
        a compile (an 18 MB component takes a second or more), but the inspector need not wait for
        one the user gave up on: the abandoned compile finishes in the background and is dropped."""
        done = threading.Event()
        failed: list[BaseException] = []

        def compile_it() -> None:
            try:
                runner.compile()
            except BaseException as e:          # handed to the waiting thread below
                failed.append(e)
            finally:
                done.set()

        threading.Thread(target=compile_it, name="wizerscope-compile", daemon=True).start()
        while not done.wait(0.05):
            if self._cancel.is_set():
                raise Cancelled("cancelled while compiling (the compile is dropped when it ends)")
        if failed:
            raise failed[0]

    def _drive(self, out: RunOutcome, say: Progress, take: Callable) -> tuple:
        """compile → instantiate → snapshot → init → snapshot on ``self._runner``: the two states.

        The snapshot before init lifts the epoch deadline and fuel (its scanner runs in wasm), so
        they are put back before init runs: cancelling and ``fuel`` must still work."""
        runner = self._runner
        self._step(out, say, "compile")
        self._compile_cancellable(runner)
        self._step(out, say, "instantiate")
        runner.instantiate()
        self._step(out, say, "snapshot before")
        before = take(runner)
        runner.store.set_epoch_deadline(1)
        if self.options.fuel is not None:
            runner.store.set_fuel(self.options.fuel)
        self._step(out, say, "init")
        runner.initialize()
        self._step(out, say, "snapshot after")
        t = time.perf_counter()
        after = take(runner)
        out.timings["snapshot"] = time.perf_counter() - t
        return before, after

    def _run_module(self, out: RunOutcome, say: Progress) -> None:
        from .preinit import engine as engines
        from .preinit.instrument import instrument_module
        from .preinit.rewrite import RewriteLog, rewrite_module
        from .preinit.run import CoreRunner, check_init_export
        from .preinit.snapshot import snapshot
        opts = self.options
        m = self.module
        self._step(out, say, "check")
        check_renames(opts.renames)
        check_init_export(m, opts.init_func)
        self._step(out, say, "instrument")
        instrumented, ins = instrument_module(m)
        out.instrumentation = ins
        self._runner = CoreRunner(instrumented, m, opts, interruptible=True)
        before, after = self._drive(out, say, lambda runner: snapshot(ins, runner))
        self._step(out, say, "rewrite")
        log = RewriteLog()
        unit = self.units()[0]
        output = rewrite_module(m, after, init_func=opts.init_func, keep_init_func=opts.keep_init_func,
                                renames=opts.renames, log=log)
        out.units = [UnitRun(unit, before, after, log)]
        self._step(out, say, "validate")
        try:
            engines.validate(output, "output")
        except WizerscopeError as e:
            raise WizerscopeError(f"internal error: the pre-initialized module is invalid ({e.message})") from None
        out.output = output
        self._step(out, say, "done")

    def _run_component(self, out: RunOutcome, say: Progress) -> None:
        from .preinit.component.instrument import instrument_component
        from .preinit.component.pipeline import check_wiring, validate_component, validate_module
        from .preinit.component.rewrite import ComponentRewriteLog, rewrite_component
        from .preinit.component.run import ComponentRunner
        from .preinit.component.snapshot import snapshot_component
        opts = self.options
        c = self._runnable_component()
        self._step(out, say, "check")
        if opts.renames:
            raise WizerscopeError("components do not support renaming functions")
        self._step(out, say, "instrument")
        instrumented, table = instrument_component(c)
        out.instrumentation = table
        self._runner = ComponentRunner(instrumented, opts, interruptible=True)
        before, after = self._drive(out, say, lambda runner: snapshot_component(table, runner))
        self._step(out, say, "rewrite")
        log = ComponentRewriteLog()
        output = rewrite_component(c, after.modules, opts, log, on_module=validate_module)
        units = {u.key: u for u in self.units()}
        out.units = [UnitRun(units[k], before.modules.get(k), snap, log.modules.get(k))
                     for k, snap in after.modules.items() if k in units]
        out.component_rewrite = log
        self._step(out, say, "validate")
        check_wiring(c, {k: v.removed_exports for k, v in log.modules.items()})
        if log.removed_exports or c.specialised:
            validate_component(output)
        out.output = output
        self._step(out, say, "done")

    # -- writing -----------------------------------------------------------------------------
    def write(self, path: str, *, overwrite: bool = False) -> WriteReport:
        """Write the last run's output atomically; refuse an existing file unless ``overwrite``."""
        if self.last_run is None or not self.last_run.ok:
            raise WizerscopeError("nothing to write yet: run the init function first")
        if not path:
            raise WizerscopeError("choose an output path")
        target = os.path.abspath(os.path.expanduser(path))
        if os.path.exists(target) and not overwrite:
            raise OutputExists(f"{path} exists", hint="confirm to overwrite it")
        if os.path.exists(target) and os.path.exists(self.path) and os.path.samefile(target, self.path):
            raise WizerscopeError(f"refusing to overwrite the input {path}",
                                  hint="choose another name; the input stays what you opened")
        write_output(target, self.last_run.output)
        return WriteReport(target, len(self.last_run.output), len(self.wasm))

    def default_output_path(self) -> str:
        base, _ = os.path.splitext(self.path)
        return base + ".init.wasm"


def _validation_rejection(e: WizerscopeError) -> Rejection:
    """wasmtime's validation message as a rejection, at the byte it names."""
    return Rejection("validation", e.message, offset=e.offset, hint="fix the producer: wasmtime rejects this binary")


def _module_candidates(m: Module) -> list[Candidate]:
    out = []
    for e in m.exports:
        if e.kind != "func":
            out.append(Candidate(e.name, e.kind, "", False, f"a {e.kind}, not a function"))
            continue
        ft = m.func_type(e.index)
        sig = str(ft) if ft is not None else "?"
        if e.name.startswith("__wizer_"):
            out.append(Candidate(e.name, "func", sig, False, "the `__wizer_` prefix is reserved"))
        elif ft is not None and ft.params:
            out.append(Candidate(e.name, "func", sig, False, "takes parameters: init is called without arguments"))
        elif e.name == "_initialize":
            out.append(Candidate(e.name, "func", sig, True, "the WASI reactor initializer: it runs first anyway"))
        elif ft is not None and ft.results:
            out.append(Candidate(e.name, "func", sig, True, "returns results: shown after the run, not kept"))
        else:
            out.append(Candidate(e.name, "func", sig, True, "", default=e.name == "wizer-initialize"))
    return out


def _component_candidates(c) -> list[Candidate]:
    from .binary.component_types import func_signature, type_space
    space = type_space(c)
    out = []
    for e in c.exports:
        if e.name == "wasmtime:wizer/access":
            continue
        if e.sort == "func":
            sig = func_signature(c, e.index, space)
            out.append(_component_func_candidate(e.name, sig))
        elif e.sort == "instance":
            iface, at, version = e.name.partition("@")
            funcs = _instance_funcs(c, e.target, space)
            if funcs is None:
                out.append(Candidate(e.name, "instance", "", False,
                                     f"an interface: name one of its functions, e.g. `{iface}.FUNC{at}{version}`"))
            for f, sig in funcs or ():
                out.append(_component_func_candidate(f"{iface}.{f}{at}{version}", sig))
        else:
            out.append(Candidate(e.name, e.sort, "", False, f"a {e.sort}, not a function"))
    return out


def _component_func_candidate(name: str, sig: str | None) -> Candidate:
    """A component function as init candidate; its signature when the binary's types tell it
    (wasmtime checks it anyway when the run starts)."""
    if sig is None:
        return Candidate(name, "func", "(at run)", True, "" if name == "wizer-initialize"
                         else "no params, or a WAVE call", default=name == "wizer-initialize")
    if not sig.startswith("func()"):
        return Candidate(name, "func", sig, True, "takes arguments: give them as a WAVE call, e.g. "
                         f"`{name.split('@')[0]}(...)`")
    note = "returns results: shown after the run" if "->" in sig else ""
    return Candidate(name, "func", sig, True, note, default=name == "wizer-initialize")


def _instance_funcs(c, index: int | None, space: list, depth: int = 0) -> list[tuple[str, str | None]] | None:
    """(name, signature) of the functions an instance of component ``c`` (types ``space``)
    exports, when they can be read off the binary (an export bundle, an instance of a nested
    component, or a re-export of either); None when only its type would tell (an imported
    instance)."""
    from .binary.component_types import func_signature, type_space
    if index is None or depth > 64:
        return None
    inst = next((i for i in c.instances if i.index == index), None)
    if inst is None:
        return None
    if inst.kind == "exports":
        return [(name, func_signature(c, idx, space)) for name, sort, idx in inst.args if sort == "func"]
    if inst.kind == "instantiate" and inst.component is not None and inst.component < len(c.components):
        child = c.components[inst.component]
        child_space = type_space(child)
        return [(e.name, func_signature(child, e.index, child_space)) for e in child.exports if e.sort == "func"]
    if inst.kind == "export":
        ext = next((e for e in c.exports if e.sort == "instance" and e.index == index), None)
        return _instance_funcs(c, ext.target, space, depth + 1) if ext is not None else None
    return None


def _segment_rows(where: str, snap: Snapshot) -> list[SegmentRow]:
    plan = snap.plan
    raw, final, cap = plan.raw, plan.final_arrays, plan.cap_arrays
    cap_at = {(m, s) for m, s in zip(cap.memory, cap.start)}
    rows = []
    j = 0
    n_raw = len(raw)
    for mem, s, e in zip(final.memory, final.start, final.end):
        runs = covered = caps = 0
        while j < n_raw and (raw.memory[j], raw.start[j]) < (mem, s):
            j += 1
        while j < n_raw and raw.memory[j] == mem and raw.start[j] < e:
            runs += 1
            covered += raw.end[j] - raw.start[j]
            if (mem, raw.end[j]) in cap_at:
                caps += 1
            j += 1
        rows.append(SegmentRow(where, mem, s, e, runs, (e - s) - covered, caps))
    return rows
