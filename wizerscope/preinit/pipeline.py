"""One pipeline, one driver: the only place the stages are strung together.

A :class:`Pipeline` is chosen once from the input's header (:func:`wizerscope.preinit.choose.
pipeline_for`): :class:`~wizerscope.preinit.module_pipeline.ModulePipeline` or the component one in
:mod:`wizerscope.preinit.component.pipeline`. It knows how to do each stage for its kind (check,
instrument, make a runner, snapshot, rewrite, validate, reference gaps). :func:`drive` runs the
stages in order for every caller (``wizerscope init``, the inspector, the determinism check,
library users), and lets them watch and stop between steps through :class:`Hooks`: progress,
cancel, an abandonable compile, the state before init, init's output as it is written. Nothing else sequences the stages, so the
CLI and the inspector cannot drift apart.

The shape follows wasmtime's own ``crates/wizer``: instrument → run (the runtime behind an
"instance state" read by the snapshot) → snapshot → rewrite from the original sections.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Protocol

from ..binary.encode import LazyJoin, binary_bytes, binary_size
from ..errors import InitError, RejectedError, Rejection, WizerscopeError
from .runtime import engines
from .runtime.heap import return_freed_memory
from .input_digest import InputDigest
from .instrument import Unit
from .options import Options
from .rewrite import RewriteLog
from .runtime.codestore import CodeCache, code_store_for
from .runtime.init_report import InitReport
from .runtime.sandbox import STACK_EXHAUSTED, engine_settings
from .snapshot import Snapshot
from .verdicts import Verdicts, code_fingerprint, verdicts_for

if TYPE_CHECKING:
    from .reference_gaps import ReferenceGap

STEPS = ("check", "instrument", "compile", "instantiate", "snapshot before", "init", "snapshot after",
         "rewrite", "validate")


class Cancelled(InitError):
    """The user stopped the run."""


# -- what a run produces ------------------------------------------------------------------------------
@dataclass
class UnitRun:
    """One snapshotted module of a run: its state before init (when asked for) and after."""

    unit: Unit
    before: Snapshot | None
    after: Snapshot
    rewrite: RewriteLog | None = None


@dataclass
class Run:
    """Everything one pre-initialization produced. ``output`` is None when the run was asked to
    stop after the snapshot (the determinism check); ``instrumentation``, ``snapshot`` and
    ``rewrite`` are the kind's own records (core: Instrumentation, Snapshot, RewriteLog)."""

    kind: str
    options: Options
    units: list[UnitRun]
    instrumentation: object
    snapshot: object
    init: InitReport
    timings: dict[str, float]
    built: bytes | LazyJoin | None = None  # the output as the rewrite made it (see ``output``)
    rewrite: object | None = None
    dead_stack_saved: int | None = None    # with --drop-dead-stack: the snapshot bytes left out

    @property
    def output(self) -> bytes | None:
        """The output's bytes, joined from its pieces on first use. ``wizerscope init`` writes
        the pieces themselves (:func:`~wizerscope.preinit.files.write_output`): joining
        componentize-py's 18 MB output cost 10 ms and 18 MB of peak memory for nothing."""
        return None if self.built is None else binary_bytes(self.built)

    @property
    def output_size(self) -> int | None:
        """The output's length, without joining it."""
        return None if self.built is None else binary_size(self.built)


@dataclass
class Trace:
    """How far a run got, filled in as it goes: a failed or cancelled run still shows its steps,
    their times and what init printed."""

    steps_done: list[str] = field(default_factory=list)
    current: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    init: InitReport | None = None
    _started: float = 0.0

    def begin(self, name: str) -> None:
        self.end()
        self.current = name
        self._started = time.perf_counter()

    def failed(self) -> None:
        """The current step raised: keep its time, leave it as :attr:`current` (where the run ended)."""
        self._time_current()

    def end(self) -> None:
        if self.current:
            self._time_current()
            self.steps_done.append(self.current)
            self.current = ""

    def _time_current(self) -> None:
        if self.current:
            self.add(self.current, time.perf_counter() - self._started)

    def add(self, step: str, seconds: float) -> None:
        self.timings[step] = self.timings.get(step, 0.0) + seconds


class Hooks:
    """What a caller sees of a run between its steps; the defaults watch nothing.

    ``interruptible`` makes init stoppable from another thread (epoch interruption, a little
    slower); ``snapshot_before`` takes the state just before init as well (the inspector's
    "before"). :meth:`step` runs before each step and may raise :class:`Cancelled`;
    :meth:`compile` may run the compile elsewhere (the inspector abandons one on cancel);
    :meth:`started` sees the live runner (to interrupt it); :meth:`output` sees init's stdout and
    stderr as they are written."""

    interruptible = False
    snapshot_before = False

    def step(self, name: str, trace: Trace) -> None:
        pass

    def compile(self, runner, cache: CodeCache | None) -> None:
        runner.compile(cache)

    def started(self, runner) -> None:
        pass

    def stopped(self, runner) -> None:
        pass

    def output(self, stream: str, data: bytes) -> None:
        """What init writes to ``stream`` ("stdout" or "stderr"), as it writes it (streamed; the
        report keeps only the end). Called inside the wasm call: keep it short, do not raise."""


def compile_abandonably(runner, cache: CodeCache | None, stop: Callable[[], BaseException | None]) -> None:
    """``runner.compile(cache)`` on a helper thread while the calling thread polls ``stop()``
    every 50 ms and raises what it returns. wasmtime cannot stop a compile (an 18 MB component
    takes seconds, a 100 MB module a minute), but neither a cancel in the inspector nor Ctrl-C
    need wait for one: the abandoned compile finishes in the background and is dropped."""
    done = threading.Event()
    failed: list[BaseException] = []

    def compile_it() -> None:
        try:
            runner.compile(cache)
        except BaseException as e:          # handed to the waiting thread below
            failed.append(e)
        finally:
            done.set()

    threading.Thread(target=compile_it, name="wizerscope-compile", daemon=True).start()
    while not done.wait(0.05):
        error = stop()
        if error is not None:
            raise error
    if failed:
        raise failed[0]


class Pipeline(Protocol):
    """Each stage of pre-initialization for one kind of input (see the module docstring)."""

    kind: str
    wasm: bytes | memoryview
    digest: InputDigest           # the input's sha256, for the stores of earlier runs' work
    model: object                 # the parsed input: Module or Component

    def rejections(self) -> list[Rejection]: ...
    def accept_checked(self) -> None: ...
    def full_rejections(self) -> list[Rejection]: ...
    def units(self) -> list[Unit]: ...
    def check_options(self, options: Options) -> None: ...
    def instrument(self) -> tuple[bytes | LazyJoin, object]: ...
    def runner(self, instrumented: bytes | LazyJoin, options: Options, *, interruptible: bool): ...
    def compiled(self, runner) -> None: ...
    def snapshot(self, runner, instrumentation) -> object: ...
    def unit_states(self, state, instrumentation) -> list[tuple[Unit, Snapshot]]: ...
    def rewrite(self, state, options: Options) -> tuple[bytes | LazyJoin, object, float]: ...
    def unit_rewrites(self, log) -> dict[tuple[str, int], RewriteLog]: ...
    def validate(self, output: bytes | LazyJoin, log) -> None: ...
    def reference_gaps(self, options: Options) -> list[ReferenceGap]: ...


# -- the driver -------------------------------------------------------------------------------------
def drive(pipeline: Pipeline, options: Options, hooks: Hooks | None = None, *, cache: CodeCache | None = None,
          trace: Trace | None = None, rewrite: bool = True) -> Run:
    """Run every stage of ``pipeline`` with ``options``; raise a WizerscopeError on any failure.
    With ``rewrite`` False the run stops after the snapshot (``Run.output`` is None)."""
    hooks = hooks or Hooks()
    trace = trace if trace is not None else Trace()
    engines.helpers_follow(engine_settings(options).cache)     # -C cache=n holds for every engine

    def step(name: str) -> None:
        hooks.step(name, trace)
        trace.begin(name)

    step("check")
    check_notes, verdicts, key = _check(pipeline, options)
    pipeline.check_options(options)
    runner, instrumentation, before, state = _execute(pipeline, options, hooks, cache, trace, step, verdicts, key)
    units = _unit_runs(pipeline, instrumentation, before, state)
    run = Run(pipeline.kind, options, units, instrumentation, state, runner.report, trace.timings)
    run.init.notes[:0] = check_notes
    run.init.notes[:] = dict.fromkeys(run.init.notes)       # a line two caches share is said once
    for ur in units:
        if ur.after.plan.merged_to_fit:
            where = ur.unit.label or "the module"
            run.init.notes.append(f"{where}: {ur.after.plan.merged_to_fit} more snapshot segments were merged so the "
                                  "output stays within 100,000 data segments (the input's own are kept, emptied)")
    if not rewrite:
        return run
    step("rewrite")
    if options.drop_dead_stack:
        from .deadstack import drop_dead_stack      # with its layout and DWARF readers: only when asked
        run.dead_stack_saved = drop_dead_stack(pipeline.unit_states(state, instrumentation))
    run.built, run.rewrite, validating = pipeline.rewrite(state, options)
    trace.add("rewrite", -validating)
    logs = pipeline.unit_rewrites(run.rewrite)
    for ur in units:
        ur.rewrite = logs.get(ur.unit.key)
    step("validate")
    trace.add("validate", validating)
    pipeline.validate(run.built, run.rewrite)
    trace.end()
    return run


def code_check_ahead(options: Options) -> Callable[[str, str], None]:
    """For :func:`~wizerscope.preinit.choose.pipeline_for`'s ``on_digest``: start the code
    store's check of this input's stored code as soon as the input is hashed, while it is still
    parsed. Started only before instrumenting, the CRC-32 of componentize-py's 46 MB entry
    (25-32 ms) kept a warm run waiting 17-24 ms at the compile; :func:`_attempt` starts it again,
    which is then a no-op. The code fingerprint the entry's name needs is made here, on the
    calling thread: on the digest thread each of its ~200 stats waited a switch interval for the
    GIL the parse holds, and the check started 44 ms after the digest was known."""
    verdicts = verdicts_for(options.cache)
    if verdicts.directory is not None:
        code_fingerprint()

    def start(kind: str, digest: str) -> None:
        if verdicts.directory is not None:
            key = verdicts.key(kind, digest)
            code_store_for(engine_settings(options).cache).check_ahead(_code_identity(key))
    return start


def _code_identity(key: str) -> str:
    """What the code store names the instrumented binary of the input with verdict key ``key``:
    instrumentation is a function of the input and of our code alone."""
    return f"instrumented:{key}"


def _check(pipeline: Pipeline, options: Options) -> tuple[list[str], Verdicts, str | None]:
    """Raise the input's rejections, unless an earlier run found it passing every check
    (verdicts.py, off with ``-C cache=n``); a pass is remembered. Returns the cache's warnings,
    the store and the input's key in it (None when it is off)."""
    verdicts = verdicts_for(options.cache)
    key = verdicts.key(pipeline.kind, pipeline.digest.hexdigest()) if verdicts.directory is not None else None
    if key is not None and verdicts.accepted(key):
        pipeline.accept_checked()
    elif pipeline.rejections():
        raise RejectedError(pipeline.rejections())
    elif key is not None:
        verdicts.remember_accepted(key)
    return verdicts.notes, verdicts, key


def _execute(pipeline: Pipeline, options: Options, hooks: Hooks, cache: CodeCache | None, trace: Trace, step,
             verdicts: Verdicts, key: str | None):
    """Instrument, compile, instantiate, init and snapshot; once more with optimised code when the
    first attempt ran out of wasm stack (unoptimised frames are larger: docs/stack.md). An init
    that needed that before (a hint beside the check verdicts) is compiled optimised at once."""
    if key is not None and verdicts.needs_optimised(key, options.init_func):
        return _attempt(pipeline, options, hooks, cache, trace, step, key, optimised=True, note=REMEMBERED_NOTE)
    try:
        return _attempt(pipeline, options, hooks, cache, trace, step, key, optimised=False)
    except InitError as e:
        if STACK_EXHAUSTED not in e.message:
            raise
        first = e
    del trace.steps_done[trace.steps_done.index("instrument"):]
    try:
        done = _attempt(pipeline, options, hooks, cache, trace, step, key, optimised=True, note=RETRY_NOTE)
    except InitError as e:
        if STACK_EXHAUSTED in e.message:
            raise first from None
        raise
    if key is not None:
        verdicts.remember_needs_optimised(key, options.init_func)
    return done


RETRY_NOTE = ("init ran out of wasm stack with quickly compiled code; it was compiled again with optimised "
              "Cranelift (smaller frames) and run again from the start")
REMEMBERED_NOTE = ("init ran out of wasm stack with quickly compiled code in an earlier run; it was compiled "
                   "with optimised Cranelift (smaller frames) from the start")


def _attempt(pipeline: Pipeline, options: Options, hooks: Hooks, cache: CodeCache | None, trace: Trace, step,
             key: str | None, *, optimised: bool, note: str | None = None):
    # the instrumented binary is a function of the input and our code: named by the input's key,
    # its compiled code is found (and its stored copy checked, on a thread) before it exists
    identity = _code_identity(key) if key is not None else None
    if identity is not None:
        code_store_for(engine_settings(options).cache).check_ahead(identity)
    step("instrument")
    binary, instrumentation = pipeline.instrument()
    runner = pipeline.runner(binary, options, interruptible=hooks.interruptible)
    del binary
    runner.code_identity = identity
    if optimised:
        runner.sandbox.optimise()
        runner.report.notes.append(note)
    trace.init = runner.report
    runner.watch_output(hooks.output)
    hooks.started(runner)
    before: object | None = None
    try:
        step("compile")
        hooks.compile(runner, cache)
        pipeline.compiled(runner)
        return_freed_memory()            # the compiler's freed working memory (runtime/heap.py)
        step("instantiate")
        runner.instantiate()
        if hooks.snapshot_before:
            step("snapshot before")
            with runner.reading_state():
                before = pipeline.snapshot(runner, instrumentation)
        step("init")
        runner.initialize()
        step("snapshot after")
        with runner.reading_state():
            state = pipeline.snapshot(runner, instrumentation)
        trace.end()
    except BaseException:
        trace.failed()
        raise
    finally:
        runner.close()
        runner.release()
        hooks.stopped(runner)
    return runner, instrumentation, before, state


def _unit_runs(pipeline: Pipeline, instrumentation, before, after) -> list[UnitRun]:
    """Each unit with its state before init (when taken) and after."""
    befores = dict((u.key, s) for u, s in pipeline.unit_states(before, instrumentation)) if before is not None else {}
    return [UnitRun(u, befores.get(u.key), s) for u, s in pipeline.unit_states(after, instrumentation)]


def invalid_output(kind: str, message: str) -> WizerscopeError:
    """The one message for an output that fails validation: a bug of ours, never written."""
    return WizerscopeError(f"internal error: the pre-initialized {kind} is invalid ({message}); nothing was "
                           "written. Please report this input.")
