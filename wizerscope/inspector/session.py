"""What a person explores: one input, its structure, its init candidates, its runs, their diff.

The inspector (``wizerscope FILE``) and ``wizerscope inspect`` both read a :class:`Session`. It is
a small facade over the pipeline :func:`~wizerscope.preinit.choose.pipeline_for` picks: a run
goes through the same driver as ``wizerscope init``, with hooks that report progress, can cancel
between steps (and during init, by epoch interruption), compile on a thread that can be abandoned,
and take the state just before init, so "before" is the real state init started from (data
segments applied, start function run). Compiled code is kept between the session's runs. The rows,
tree, candidates and changes live in their own modules; nothing here imports Textual or Rich.
"""
from __future__ import annotations

import copy
import os
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..binary.header import COMPONENT_VERSION
from ..errors import InitError, RejectedError, Rejection, WizerscopeError
from ..preinit.choose import pipeline_for
from ..preinit.files import read_input, write_output
from ..preinit.instrument import Unit
from ..preinit.options import Options
from ..preinit.module_pipeline import MalformedModule
from ..preinit.pipeline import Cancelled, Pipeline, Run, Trace, drive
from ..preinit.reference_gaps import ReferenceGap
from ..preinit.runtime.codestore import CodeCache
from ..preinit.runtime.init_report import InitReport
from ..preinit.statediff import MemoryDiff
from ..preinit.verdicts import code_fingerprint
from . import rows as R
from .candidates import Candidate, candidates
from .changes import rewrite_changes
from .diff import memory_diffs
from .tree import TreeNode, component_tree, module_tree
from .watch import RUN_STEPS, Progress, Watch

HEX_CONTEXT = 32


@dataclass
class RunOutcome:
    """One run: what it produced, or how it failed, with everything captured on the way."""

    init_func: str
    trace: Trace = field(default_factory=Trace)
    run: Run | None = None
    error: WizerscopeError | None = None
    cancelled: bool = False
    options: Options | None = None          # a copy of the options it ran with (the history shows them)

    @property
    def ok(self) -> bool:
        return self.error is None and self.run is not None and self.run.built is not None

    @property
    def output(self) -> bytes | None:
        return self.run.output if self.run is not None else None

    @property
    def output_size(self) -> int | None:
        """The output's length, without joining its pieces (the screen shows it at once)."""
        return self.run.output_size if self.run is not None else None

    @property
    def init(self) -> InitReport:
        return self.trace.init or InitReport()

    @property
    def timings(self) -> dict[str, float]:
        return self.trace.timings

    @property
    def steps_done(self) -> list[str]:
        return self.trace.steps_done

    @property
    def current_step(self) -> str:
        """The step that was running when the run ended ("" when it finished)."""
        return self.trace.current

    @property
    def backtrace(self) -> list[str]:
        return getattr(self.error, "backtrace", []) if self.error is not None else []


@dataclass
class WriteReport:
    path: str
    size: int
    input_size: int


class Session:
    """One input file being explored; see the module docstring."""

    def __init__(self, path: str, wasm: bytes, *, check: bool = True) -> None:
        self.path = path
        self.wasm = wasm
        self.options = Options()
        self.pipeline: Pipeline | None = None
        self.rejections: list[Rejection] = []
        self.checked = False
        self.last_run: RunOutcome | None = None       # the last run not cancelled
        self.last_attempt: RunOutcome | None = None   # the last run, cancelled or not
        self.history: list[RunOutcome] = []           # every run of the session, to compare
        self._check_lock = threading.Lock()
        self._cancel = threading.Event()
        self._runner = None
        self._code = CodeCache()
        self._memo: dict[str, tuple[Run, object]] = {}     # per-run results (see :meth:`_per_run`)
        self._memo_locks: dict[str, threading.Lock] = {}
        self._memo_guard = threading.Lock()
        self._accessors: list | None = None
        self.last_determinism = None        # the last determinism check's result (DeterminismResult)
        self.last_startup = None            # the last start-up measurement (preinit.startup.Startup)
        try:
            self.pipeline = pipeline_for(wasm)
        except MalformedModule as e:            # wasmtime's words, then ours with the offset
            self.rejections = [*e.rejections, e.format]
        except WizerscopeError as e:
            self.rejections = [Rejection("format", e.message, offset=e.offset,
                                         hint=e.hint or "the file is not a well-formed Wasm binary")]
        # no guess: like `init`, the default init export or the one the user names
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

    @property
    def kind(self) -> str:
        if self.pipeline is not None:
            return self.pipeline.kind
        return "component" if self.wasm[4:8] == COMPONENT_VERSION else "module"

    @property
    def loaded(self) -> bool:
        """False when the file could not even be parsed (only the format rejection is left to show)."""
        return self.pipeline is not None

    # -- analysis ---------------------------------------------------------------------------
    def check(self) -> list[Rejection]:
        """Validate and apply every rule of the reference; the rejections. Runs once; a run
        started while the inspector's loader is still checking waits for it."""
        with self._check_lock:
            if not self.checked:
                if self.pipeline is not None:
                    self.rejections = self.pipeline.full_rejections()
                    # what names this input's verdicts, made now, off the run's path: its walk
                    # over our files waits for the GIL at every stat while the screen is busy
                    code_fingerprint()
                self.checked = True
        return self.rejections

    def units(self) -> list[Unit]:
        """Every module whose state a run snapshots, in the order the engine visits them."""
        return self.pipeline.units() if self.pipeline is not None else []

    def reference_gaps(self) -> list[ReferenceGap]:
        """Where `wasmtime wizer` would refuse, crash on or break this input and wizerscope does
        not, for the current options."""
        return self.pipeline.reference_gaps(self.options) if self.pipeline is not None else []

    def verdict(self) -> list:
        """What `init` would say now (:mod:`wizerscope.inspector.verdict`): static rejections,
        the init export, the last run's failure."""
        from .verdict import verdict
        return verdict(self)

    def candidates(self) -> list[Candidate]:
        """Exports usable as init function, with the reason beside those that are not."""
        return candidates(self.pipeline.model if self.pipeline is not None else None)

    def structure(self) -> TreeNode:
        """The input as a tree (see :mod:`wizerscope.inspector.tree`)."""
        if self.pipeline is None:
            return TreeNode(self.name, "file", [("size", f"{len(self.wasm):,} bytes"),
                                                 ("status", "not a well-formed Wasm binary")])
        build = module_tree if self.pipeline.kind == "module" else component_tree
        return build(self.pipeline.model, self.name, len(self.wasm))

    def hex_context(self, offset: int, radius: int = HEX_CONTEXT) -> list[tuple[int, bytes]]:
        """16-byte lines of the input around ``offset`` (for a rejection's location)."""
        lo = max(0, (offset - radius) // 16 * 16)
        hi = min(len(self.wasm), offset + radius + 1)
        return [(o, self.wasm[o:min(o + 16, hi)]) for o in range(lo, hi, 16)]

    # -- rows of the last successful run --------------------------------------------------------
    @property
    def run_result(self) -> Run | None:
        """The last successful run, or None."""
        return self.last_run.run if self.last_run is not None and self.last_run.ok else None

    def global_rows(self) -> list[R.GlobalRow]:
        if self.run_result is None:
            return R.global_rows(self.units(), None)
        return self._per_run("global_rows", lambda run: R.global_rows(self.units(), run))

    def memory_rows(self) -> list[R.MemoryRow]:
        return R.memory_rows(self.units(), self.run_result)

    def segment_rows(self) -> list[R.SegmentRow]:
        return self._per_run("segment_rows", R.segment_rows)

    def raw_runs_in(self, row: R.SegmentRow) -> list[tuple[int, int, int | None]]:
        return R.raw_runs_in(self.run_result, row)

    def segment_totals(self) -> R.SegmentTotals:
        return R.segment_totals(self.run_result, len(self.wasm))

    def instrumentation_rows(self) -> list[tuple[str, str, str, str]]:
        return R.instrumentation_rows(self.units(), self.name)

    def memory_diffs(self) -> list[MemoryDiff]:
        """Before/after of every memory of the last successful run (computed once)."""
        return self._per_run("memory_diffs", memory_diffs)

    # -- per-run results, computed once and from any thread ---------------------------------------
    # What a tab needs of a run can take a second on a big input (10,000 segment rows, the byte
    # diff of an 80 MiB memory, the anatomy, the gzipped output size). The inspector computes it
    # on a worker thread while the tab shows a spinner; the UI thread only reads what is ready.
    SLOW = ("memory_diffs", "segment_rows", "anatomy", "sizes", "global_rows", "accessor_rows")

    def _per_run(self, name: str, compute: Callable[[Run], object], empty=None):
        """``compute(run)`` for the last successful run, once per run, whichever thread asks
        first (a second asker waits for the first instead of computing it again)."""
        run = self.run_result
        if run is None:
            return [] if empty is None else empty
        hit = self._memo.get(name)
        if hit is not None and hit[0] is run:
            return hit[1]
        with self._memo_guard:
            lock = self._memo_locks.setdefault(name, threading.Lock())
        with lock:
            hit = self._memo.get(name)
            if hit is None or hit[0] is not run:
                hit = (run, compute(run))
                self._memo[name] = hit
        return hit[1]

    def computed(self, *names: str) -> bool:
        """Whether every per-run result in ``names`` is ready for the last run (no waiting)."""
        run = self.run_result
        return run is None or all(name in self._memo and self._memo[name][0] is run for name in names)

    def prepare(self, *names: str) -> None:
        """Compute the per-run results ``names`` (default: all of :attr:`SLOW`) now, on the
        calling thread: the inspector's worker does this after a run."""
        for name in names or self.SLOW:
            getattr(self, name)()

    def accessor_rows(self) -> list:
        """The component accessor table (from the last run's instrumentation, else built now),
        as :class:`~wizerscope.report.model.AccessorReport` rows; none for a core module."""
        from ..report.build import accessor_reports
        if self.run_result is not None:
            return self._per_run("accessor_rows", lambda run: accessor_reports(run.instrumentation)
                                 if run.kind == "component" else [])
        if self.kind != "component" or self.check():
            return []
        if self._accessors is None:
            self._accessors = accessor_reports(self.pipeline.instrument()[1])
        return self._accessors

    def rewrite_changes(self) -> list[tuple[str, str, str]]:
        """(module, section, change) for every change the rewrite made, section by section."""
        run = self.run_result
        return rewrite_changes(run, self.name) if run is not None else []

    # -- running -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop a running init from another thread (epoch interruption) or before the next step."""
        self._cancel.set()
        runner = self._runner
        if runner is not None:
            runner.interrupt()

    def run(self, progress: Progress | None = None, output: Callable[[str, bytes], None] | None = None,
            detail: Callable[[str, str], None] | None = None) -> RunOutcome:
        """Run the init function step by step; never raises WizerscopeError (it lands in the outcome).
        ``output(stream, data)`` sees init's stdout and stderr as they are written; ``detail(step,
        text)`` hears more about a step once it is done (what compiled the code)."""
        self._cancel.clear()
        out = RunOutcome(self.options.init_func, options=copy.deepcopy(self.options))
        try:
            if not self.loaded:
                raise WizerscopeError("the input could not be parsed; nothing to run")
            if self.check():
                raise RejectedError(self.rejections)
            out.run = drive(self.pipeline, self.options, Watch(self, progress, output, detail), cache=self._code,
                            trace=out.trace)
            if progress is not None:
                progress("done", len(RUN_STEPS) - 1, len(RUN_STEPS))
        except WizerscopeError as e:
            out.error = e
            out.cancelled = isinstance(e, Cancelled) or (isinstance(e, InitError) and e.message.endswith("cancelled"))
        self.last_attempt = out
        self.history.append(out)
        if not out.cancelled:           # a cancelled re-run keeps the previous run's result
            self.last_run = out
        return out

    def check_determinism(self, progress: Callable[[int, str], None] | None = None):
        """Run init twice in fresh instances and compare (``preinit.determinism``); cancellable
        with :meth:`cancel` like a run. ``progress(run, step)`` hears each run's steps (two runs,
        then one per source varied to find causes). Raises WizerscopeError (Cancelled when cancelled)."""
        from ..preinit.determinism import check_determinism
        self._cancel.clear()
        if not self.loaded:
            raise WizerscopeError("the input could not be parsed; nothing to run")
        runs = [0]

        def step(name: str, _i: int, _n: int) -> None:
            if name == "check":
                runs[0] += 1
            if progress is not None:
                progress(runs[0], name)
        try:
            self.last_determinism = check_determinism(self.pipeline, self.options, Watch(self, step),
                                                      cache=self._code)
            return self.last_determinism
        except InitError:
            if self._cancel.is_set():
                raise Cancelled("determinism check cancelled") from None
            raise

    def anatomy(self) -> list:
        """The last run's anatomy, one entry per snapshotted memory (computed once per run)."""
        from ..report.build import run_anatomy
        return self._per_run("anatomy", run_anatomy)

    def sizes(self) -> dict:
        """The last run's input, output, gzipped output and snapshot sizes (gzip of a big output
        takes a second: computed once per run)."""
        from ..report.build import sizes
        return self._per_run("sizes", lambda run: sizes(run, len(self.wasm)), empty={})

    def anatomy_log(self) -> list[str]:
        """The run log's lines on the output: its sizes and what each snapshotted memory holds."""
        run = self.run_result
        if run is None:
            return []
        from ..report.text import describe_anatomy, describe_sizes
        lines = [describe_sizes(self.sizes(), run.dead_stack_saved)]
        for a in self.anatomy():
            lines.extend(describe_anatomy(a, symbols=3))
        return lines

    def measure_startup(self, runs: int = 10):
        """Time the input with its init against the last run's output (``preinit.startup``)."""
        run = self.run_result
        if run is None or run.output is None:
            raise WizerscopeError("run init first (r): the start-up is measured against its output")
        from ..preinit.startup import measure_startup
        self.last_startup = measure_startup(self.pipeline, pipeline_for(run.output), self.options,
                                            [(ur.unit, ur.after) for ur in run.units], runs)
        return self.last_startup

    def host_log(self) -> list[str]:
        """What the last run asked of the host (mode, host calls, file bytes, fuel, memory growth)."""
        from .host_log import host_lines
        if self.last_run is None:
            return []
        return host_lines(self.options, self.last_run.init, self.run_result)

    def determinism_causes(self, where: str, memory: int) -> list:
        """The last determinism check's differing ranges of one memory (``where`` as the diff view
        names the module), each with its cause; [] when there is none."""
        d = self.last_determinism
        if d is None:
            return []
        for m in d.memories:
            if m.memory == memory and (m.where == where or where.startswith(m.where + " (")):
                return list(m.runs)
        return []

    # -- writing ---------------------------------------------------------------------------------
    def write(self, path: str, *, overwrite: bool = False) -> WriteReport:
        """Write the last run's output atomically; refuse an existing file unless ``overwrite``
        (:class:`~wizerscope.preinit.files.OutputExists`) and never overwrite the input."""
        run = self.run_result
        if run is None:
            raise WizerscopeError("nothing to write yet: run the init function first")
        target = write_output(path, run.output, overwrite=overwrite, protect=self.path)
        return WriteReport(target, len(run.output), len(self.wasm))

    def default_output_path(self) -> str:
        base, _ = os.path.splitext(self.path)
        return base + ".init.wasm"
