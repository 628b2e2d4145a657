"""The stages of pre-initialization for a core module (the :class:`~wizerscope.preinit.pipeline.
Pipeline` :func:`~wizerscope.preinit.choose.pipeline_for` picks for a core module header); the
driver that strings them together is :func:`wizerscope.preinit.pipeline.drive`."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..binary.encode import LazyJoin, binary_bytes
from ..binary.module import Module, parse_module
from ..errors import RejectedError, Rejection, WizerscopeError
from .input_digest import InputDigest
from .instrument import Unit, instrument_module, probes
from .options import Options, check_renames
from .pipeline import invalid_output
from .rewrite import BodyFreeTwin, RewriteLog, rewrite_module
from .run import CoreRunner, check_init_export
from .runtime import engines
from .snapshot import Snapshot, snapshot

if TYPE_CHECKING:
    from .reference_gaps import ReferenceGap


class MalformedModule(RejectedError):
    """A core module our parser cannot read and wasmtime rejects: wasmtime's verdict is the
    message (it names the fault more precisely; our parser decodes only what it must), and
    :attr:`format` keeps our parser's own finding with its offset for the inspector."""

    def __init__(self, invalid: Rejection, parse_error: WizerscopeError) -> None:
        super().__init__([invalid])
        self.format = Rejection("format", parse_error.message, offset=parse_error.offset,
                                hint=parse_error.hint or "the file is not a well-formed Wasm binary")


class ModulePipeline:
    """The stages for a core module."""

    kind = "module"

    def __init__(self, wasm: bytes | memoryview, on_digest: Callable[[str], None] | None = None) -> None:
        self.wasm = wasm
        self.digest = InputDigest(wasm, on_digest)     # hashed on a thread while the parse runs
        self._proof: bytes | BodyFreeTwin | None = None     # what proves the last rewrite's output valid
        try:
            self.model: Module = parse_module(wasm)
        except WizerscopeError as e:
            invalid = validation_rejection(wasm)
            if invalid is not None:
                raise MalformedModule(invalid, e) from None
            raise
        self._rejections: list[Rejection] | None = None

    def rejections(self) -> list[Rejection]:
        """Validation (wasmtime's, with the byte it names) then every rule of the reference; once."""
        if self._rejections is None:
            self._rejections = module_rejections(self.wasm, self.model)
        return self._rejections

    def accept_checked(self) -> None:
        """An earlier run's verdict on these bytes: no rejections (verdicts.py)."""
        self._rejections = []

    def full_rejections(self) -> list[Rejection]:
        """The same: a core module's validation is already complete."""
        return self.rejections()

    def units(self) -> list[Unit]:
        return [Unit(self.model, probes(self.model))]

    def check_options(self, options: Options) -> None:
        check_renames(options.renames)
        check_init_export(self.model, options.init_func)

    def instrument(self) -> tuple[bytes, object]:
        return instrument_module(self.model)

    def runner(self, instrumented: bytes, options: Options, *, interruptible: bool) -> CoreRunner:
        return CoreRunner(instrumented, self.model, options, interruptible=interruptible)

    def compiled(self, runner: CoreRunner) -> None:
        runner.instrumented = b""          # wasmtime has its own copy now

    def snapshot(self, runner: CoreRunner, instrumentation) -> Snapshot:
        return snapshot(instrumentation, runner)

    def unit_states(self, state: Snapshot, instrumentation) -> list[tuple[Unit, Snapshot]]:
        return [(Unit(self.model, instrumentation), state)]

    def rewrite(self, state: Snapshot, options: Options) -> tuple[bytes, RewriteLog, float]:
        log = RewriteLog()
        out, self._proof = rewrite_module(self.model, state, init_func=options.init_func,
                                          keep_init_func=options.keep_init_func, renames=options.renames, log=log)
        return out, log, 0.0

    def unit_rewrites(self, log: RewriteLog) -> dict[tuple[str, int], RewriteLog]:
        return {("", 0): log}

    def validate(self, output: bytes, log) -> None:
        try:
            validate_rewritten(output, self._proof if self._proof is not None else output)
        except WizerscopeError as e:
            raise invalid_output("module", e.message) from None

    def reference_gaps(self, options: Options) -> list[ReferenceGap]:
        from .reference_gaps import module_gaps       # only --check and --json ask
        return module_gaps(self.model, options)


def validate_rewritten(output: bytes | LazyJoin, proof: bytes | BodyFreeTwin | None) -> None:
    """Raise a WizerscopeError unless the rewritten module ``output`` is valid: by validating its
    body-free twin when ``proof`` is one that ``output`` matches (rewrite.body_free_twin), else
    the output itself (joined only then). When the twin fails, the output is validated too, so
    that the message and its offset are the output's."""
    if isinstance(proof, BodyFreeTwin) and proof.matches(output):
        try:
            engines.validate(proof.twin, "output")
            return
        except WizerscopeError:
            pass
    engines.validate(binary_bytes(output), "output")


def module_rejections(wasm: bytes | memoryview, m: Module) -> list[Rejection]:
    """Every reason core module ``m`` (parsed from ``wasm``) cannot be pre-initialized."""
    invalid = validation_rejection(wasm)
    if invalid is not None:
        return [invalid]
    from .check import check_module         # not imported by a run whose input was checked before
    return check_module(m)


def validation_rejection(wasm: bytes | memoryview) -> Rejection | None:
    """wasmtime's verdict on a core module, at the byte it names; None when it is valid."""
    try:
        engines.validate(wasm)
    except WizerscopeError as e:
        return Rejection("validation", e.message, offset=e.offset, hint="fix the producer: wasmtime rejects this binary")
    return None
