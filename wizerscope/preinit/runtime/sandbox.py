"""Where init code runs: one store with the run's limits, its WASI set-up and its captured output.

The core and the component runner each hold a :class:`Sandbox` (composition, not inheritance):
it picks the engine the code compiles on (Winch, else Cranelift; code compiled before comes from
:mod:`.codestore`), makes the store (epoch deadline for ``--timeout`` and cancel, fuel, a memory
limit), builds the WASI configuration (stdout/stderr streamed to a watcher as init writes them,
their last ``OUTPUT_KEPT`` bytes kept for the report, :mod:`.init_report`; the environment and
directories the options give), runs every call that may trap under the timeout
(:meth:`guarded`) and turns what went wrong into one :class:`~wizerscope.errors.InitError`
paragraph. Reading the state afterwards runs our own wasm kernels in the same store;
:meth:`reading_state` lifts the limits for them and puts them back, so no caller resets limits
by hand.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Callable, Iterator, TypeVar

import wasmtime

from ...binary.encode import LazyJoin
from ...errors import InitError, WizerscopeError
from ..options import MAX_WASM_STACK, Options
from . import engines
from .codestore import CodeCache, code_store_for
from .host import DEFAULT_SEED, Host, HostMode, source_date_epoch
from .init_report import InitReport, OutputTail
from .traps import trap_reason
from .outpipes import OutputPipes

T = TypeVar("T")
UNLIMITED_FUEL = 1 << 62
UNLIMITED_TICKS = 1 << 40
OutputWatcher = Callable[[str, bytes], None]


Explain = Callable[[str, BaseException], InitError]
STACK_EXHAUSTED = "call stack exhausted"


def engine_settings(options: Options) -> engines.EngineSettings:
    """The engine settings ``options`` ask for: the wasm stack limit and wasmtime's compile cache."""
    cache: bool | str = False if not options.cache else (options.cache_config or True)
    return engines.EngineSettings(options.max_wasm_stack or MAX_WASM_STACK, cache)


def host_mode(options: Options) -> HostMode:
    """The host sources ``options`` ask for (``--deterministic``, ``--seed``)."""
    if not options.deterministic:
        return HostMode()
    epoch = options.clock_epoch if options.clock_epoch is not None else source_date_epoch()
    return HostMode(True, DEFAULT_SEED if options.seed is None else options.seed, epoch, options.clock_offset_ns)


def environment(options: Options) -> list[tuple[str, str]]:
    """The environment init sees: the host's with ``--inherit-env``, then every ``--env`` (a name
    without a value takes the host's value), later ones replacing earlier ones of the same name."""
    env: dict[str, str] = dict(os.environ) if options.inherit_env else {}
    for k, v in options.env:
        env[k] = os.environ.get(k, "") if v is None else v
    return list(env.items())


class Sandbox:
    """One run's store, limits, WASI and output capture; see the module docstring."""

    def __init__(self, options: Options, *, interruptible: bool = False) -> None:
        self.options = options
        self.epoch = interruptible or options.timeout is not None
        self.fuel = options.fuel is not None
        self.settings = engine_settings(options)
        self.engines = engines.init_engines(options.compiler, epoch=self.epoch, fuel=self.fuel, settings=self.settings)
        self.engine: wasmtime.Engine = self.engines[0]
        self.optimised = False
        self.store: wasmtime.Store | None = None
        self.report = InitReport(host=Host(host_mode(options), environment(options)))
        problem = engines.cache_problem(self.settings.cache)
        if problem is not None:
            self.report.notes.append(f"warning: wasmtime's compilation cache is off for this run: {problem}")
        self.interrupted = False
        self.watcher: OutputWatcher | None = None
        self._pipes: OutputPipes | None = None
        self._tails = {"stdout": OutputTail(), "stderr": OutputTail()}
        self._timer: threading.Timer | None = None
        self.new_store(self.engine)

    # -- engine and store -----------------------------------------------------------------------
    def new_store(self, engine: wasmtime.Engine) -> wasmtime.Store:
        """A fresh store on ``engine`` with the run's limits."""
        self.engine = engine
        self.store = wasmtime.Store(engine)
        if self.epoch:
            self.store.set_epoch_deadline(1)
        if self.fuel:
            self.store.set_fuel(self.options.fuel)
        if self.options.max_memory is not None:
            self.store.set_limits(memory_size=self.options.max_memory)
        return self.store

    def _cache_key(self) -> tuple:
        return (self.options.compiler, self.epoch, self.fuel, self.settings, self.optimised)

    def optimise(self) -> None:
        """Compile with optimised Cranelift from now on (the retry after a stack exhaustion)."""
        self.optimised = True
        self.engines = [engines.optimised_engine(epoch=self.epoch, fuel=self.fuel, settings=self.settings)]
        self.new_store(self.engines[0])

    def compile(self, make: Callable[[wasmtime.Engine], T], unit: str, cache: CodeCache | None = None, *,
                wasm: bytes | None = None, thaw: Callable[[wasmtime.Engine, str], T] | None = None,
                identity: str | None = None) -> T:
        """``make(engine)`` on the first engine that can compile the code: Winch, or Cranelift
        when the code uses a proposal Winch lacks (SIMD, tail calls, GC, exceptions, ...). With
        ``cache``, code compiled by an earlier run of this process with the same settings is
        reused; with ``wasm`` (the bytes ``make`` compiles) and ``thaw`` (map a serialized file
        on an engine), code an earlier process compiled is mapped from the code store, found by
        ``identity`` (a name that stands for exactly these bytes) or else by their sha256."""
        hit = cache.get(self._cache_key()) if cache is not None else None
        if hit is not None:
            engine, compiled, compiler = hit
            self.new_store(engine)
            self.report.compiler, self.report.reused_code = compiler, True
            return compiled
        store = code_store_for(self.settings.cache) if (wasm or identity is not None) and thaw is not None else None
        try:
            return self._compile(make, unit, cache, store, wasm, thaw, identity)
        finally:
            if store is not None:
                self.report.notes.extend(store.notes)

    def _compiler_of(self, engine: wasmtime.Engine) -> str:
        if self.optimised:
            return "cranelift"
        return "cranelift" if engine is engines.run_engine(epoch=self.epoch, fuel=self.fuel,
                                                           settings=self.settings) else "winch"

    def _store_label(self, engine: wasmtime.Engine) -> str:
        """What of an engine decides its compiled code, for the code store's key."""
        compiler = "cranelift-speed" if self.optimised else self._compiler_of(engine)
        return f"{compiler}:epoch={self.epoch}:fuel={self.fuel}:stack={self.settings.max_wasm_stack}"

    def _compile(self, make, unit: str, cache: CodeCache | None, store, wasm, thaw, identity: str | None):
        keys = {}
        if store is not None and store.directory is not None:
            digest = identity if identity is not None else store.digest(wasm)
            for engine in self.engines:
                keys[engine] = store.key(digest, self._store_label(engine))
                compiled = store.load(keys[engine], lambda path: thaw(engine, path))
                if compiled is not None:
                    if engine is not self.engine:
                        self.new_store(engine)
                    self.report.compiler, self.report.mapped_code = self._compiler_of(engine), True
                    if cache is not None:
                        cache.put(self._cache_key(), engine, compiled, self.report.compiler)
                    return compiled
        for engine in self.engines:
            try:
                compiled = make(engine)
                break
            except wasmtime.WasmtimeError as e:
                if engine is self.engines[-1]:
                    raise WizerscopeError(f"failed to compile the Wasm {unit}: {engines.first_line(e)}") from None
                self.report.winch_refused = engines.first_line(e)[:160]
        if engine is not self.engine:
            self.new_store(engine)
        self.report.compiler = self._compiler_of(engine)
        if cache is not None:
            cache.put(self._cache_key(), engine, compiled, self.report.compiler)
        if engine in keys:
            store.save(keys[engine], compiled)
        return compiled

    def share(self, other: "Sandbox") -> None:
        """Run on ``other``'s engine (its compiled code is reused)."""
        if other.engine is not self.engine:
            self.new_store(other.engine)
        self.report.compiler = other.report.compiler

    # -- WASI ---------------------------------------------------------------------------------
    def wasi_config(self) -> wasmtime.WasiConfig:
        """The WASI context init sees: output captured, the environment and directories asked for."""
        opts = self.options
        cfg = wasmtime.WasiConfig()
        # pipes drained by a thread where the system has them (docs in outpipes: 60x faster on
        # big output), else wasmtime-py's per-4-KiB callbacks
        self._pipes = OutputPipes(self._written) if OutputPipes.available() else None
        if self._pipes is None or not self._pipes.attach(cfg):
            self._pipes = None
            cfg.stdout_custom = lambda data: self._written("stdout", data)
            cfg.stderr_custom = lambda data: self._written("stderr", data)
        if opts.argv0 is not None:
            cfg.argv = [opts.argv0]
        if opts.inherit_stdin:
            cfg.inherit_stdin()
        env = self.report.host.environment
        if env:
            cfg.env = env
        for host, guest in opts.dirs:
            if not os.path.isdir(host):
                raise WizerscopeError(f"--dir {host!r}: no such directory")
            cfg.preopen_dir(host, guest)
        return cfg

    # -- guarded calls ----------------------------------------------------------------------------
    def guarded(self, context: str, fn: Callable[[], T], explain: Explain) -> T:
        """``fn()`` under the timeout; a trap or an exit becomes ``explain(context, error)``."""
        if self.options.timeout is not None:
            self._timer = threading.Timer(self.options.timeout, self.engine.increment_epoch)
            self._timer.daemon = True
            self._timer.start()
        try:
            return fn()
        except wasmtime.ExitTrap as e:
            raise InitError(f"{context}: the program exited with status {e.code} during initialization",
                            hint="an init function must return normally; WASI proc_exit ends the run "
                                 "and nothing is snapshotted", exit_code=e.code) from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            raise explain(context, e) from None
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._collect_output()

    def explain_limits(self, context: str, e: BaseException, backtrace: list[str]) -> InitError | None:
        """The run's own limits as the cause: fuel, the timeout, a cancel; else None."""
        text = str(e)
        if "all fuel consumed" in text:
            return InitError(f"{context}: init ran out of fuel ({self.options.fuel} units)",
                             hint="raise --fuel, or check the init function for an endless loop",
                             backtrace=backtrace)
        if "interrupt" in text and self.epoch:
            if self.interrupted:
                return InitError(f"{context}: cancelled", backtrace=backtrace)
            return InitError(f"{context}: init did not finish within {self.options.timeout:g} s",
                             hint="raise --timeout, or check the init function for an endless loop",
                             backtrace=backtrace)
        return None

    def explain_trap(self, context: str, e: BaseException, backtrace: list[str],
                     hint: str | None = None) -> InitError:
        """Any trap: the limits if they caused it, else the trap's reason and backtrace."""
        return self.explain_limits(context, e, backtrace) or \
            InitError(f"{context}: {trap_reason(e)}", backtrace=backtrace, hint=hint)

    def scan_bound(self) -> Callable[[], None]:
        """A check our own long reads of the state (the scan of a 16 GiB memory takes seconds) call
        between chunks: they run without the init's epoch deadline, yet a cancel and ``--timeout``
        (counted from the start of the read) must still stop them."""
        timeout = self.options.timeout
        deadline = time.monotonic() + timeout if timeout is not None else None

        def check() -> None:
            if self.interrupted:
                raise InitError("reading the initialized state: cancelled")
            if deadline is not None and time.monotonic() > deadline:
                raise InitError(f"reading the initialized memory did not finish within {timeout:g} s",
                                hint="raise --timeout: a huge memory takes seconds to scan")
        return check

    def interrupt(self) -> None:
        """Stop running wasm from another thread (epoch interruption)."""
        self.interrupted = True
        if self.epoch:
            self.engine.increment_epoch()

    @contextlib.contextmanager
    def reading_state(self) -> Iterator[None]:
        """Lift the epoch deadline and fuel while our own kernels read the state (their work is
        not the init's), then put back what init had left."""
        store = self.store
        left = store.get_fuel() if self.fuel else None
        if left is not None:
            self.report.fuel_used = self.options.fuel - left
        if self.epoch:
            store.set_epoch_deadline(UNLIMITED_TICKS)
        if left is not None:
            store.set_fuel(UNLIMITED_FUEL)
        try:
            yield
        finally:
            if self.epoch:
                store.set_epoch_deadline(1)
            if left is not None:
                store.set_fuel(left)

    # -- output and clean-up ------------------------------------------------------------------
    def _written(self, stream: str, data: bytes) -> None:
        """What init wrote (from the output pipes' thread, or from wasmtime-py's callback inside
        the wasm call): kept and passed on. It must not raise: the guest's write would fail."""
        self._tails[stream].add(data)
        if self.watcher is not None:
            try:
                self.watcher(stream, data)
            except Exception:
                pass

    def _collect_output(self) -> None:
        if self._pipes is not None:
            self._pipes.flush()
        self.report.stdout = self._tails["stdout"].value()
        self.report.stderr = self._tails["stderr"].value()
        self.report.output_dropped = self._tails["stdout"].dropped + self._tails["stderr"].dropped

    def close(self) -> None:
        """Nothing to remove: init's output lives in memory (bounded tails), not in files; the
        output pipes close with the store (their thread ends at end of file)."""

    def release(self) -> None:
        """Drop the store (and with it every instance) once the state is read."""
        self.store = None


class SandboxedRunner:
    """What the core and the component runner share: both own a :class:`Sandbox` and hand it the
    store, limits, interruption, guarded calls and clean-up. A runner supplies ``unit`` (its
    input's kind, for messages and the code cache), :meth:`load` (compile its binary on an
    engine) and :meth:`explain` (its own reading of a failure)."""

    unit = ""
    sandbox: Sandbox
    _instrumented: bytes | LazyJoin = b""
    compiled: object = None
    # a name that stands for exactly the bytes of ``instrumented`` (the pipeline's: the input's
    # digest, since instrumentation is a function of the input and our code), so the code store
    # need not hash them (~10 ms for componentize-py)
    code_identity: str | None = None

    @property
    def report(self) -> InitReport:
        return self.sandbox.report

    @property
    def store(self) -> wasmtime.Store:
        return self.sandbox.store

    def load(self, engine: wasmtime.Engine) -> object:
        raise NotImplementedError

    def explain(self, context: str, e: BaseException) -> InitError:
        raise NotImplementedError

    def thaw(self, engine: wasmtime.Engine, path: str) -> object:
        """Map code that :meth:`load` compiled and wasmtime serialized to ``path``."""
        raise NotImplementedError

    @property
    def instrumented(self) -> bytes:
        """The binary to compile, joined on first use (see :class:`~wizerscope.binary.encode.LazyJoin`)."""
        if isinstance(self._instrumented, LazyJoin):
            self._instrumented = self._instrumented.join()
        return self._instrumented

    @instrumented.setter
    def instrumented(self, value: bytes | LazyJoin) -> None:
        self._instrumented = value

    def compile(self, cache: CodeCache | None = None) -> None:
        # with an identity the bytes are only needed if the code store has no entry for them
        identity = self.code_identity
        self.compiled = self.sandbox.compile(self.load, self.unit, cache, thaw=self.thaw, identity=identity,
                                             wasm=None if identity is not None else self.instrumented)

    def interrupt(self) -> None:
        """Stop a running init from another thread (epoch interruption)."""
        self.sandbox.interrupt()

    def watch_output(self, watcher: OutputWatcher | None) -> None:
        """Pass init's stdout and stderr to ``watcher(stream, data)`` as they are written."""
        self.sandbox.watcher = watcher

    def guarded(self, context: str, fn):
        return self.sandbox.guarded(context, fn, self.explain)

    def reading_state(self):
        """A context in which the snapshot's kernels or accessors run without the init's limits."""
        return self.sandbox.reading_state()

    def close(self) -> None:
        """Release what the run holds outside the store."""
        self.sandbox.close()
