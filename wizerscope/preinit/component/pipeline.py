"""The stages for a component: the core pipeline applied to every instantiated core module.

The output is validated before anyone writes it: every core module by wasmtime's validator (while
the rewrite emits it, without re-parsing the output), and the component's wiring by checking
every ``alias core export`` and every module import satisfied by an instantiation argument
against the rewritten modules' exports (the mistake behind reference bug #13168). Those are the
only things a rewrite with the component sections copied verbatim can break (memory minimums
only grow, export kinds and types never change). When component sections were re-encoded (the
init export was removed and later funcs renumbered, or a definition instantiated twice was
specialised and later definitions renumbered), the whole output is also compiled with wasmtime,
up to FULL_VALIDATION_LIMIT bytes (componentize-py's 18 MB output without --keep-init-func:
+0.86 s with Winch, still 0.57x the reference's wall time).
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Callable

from ...binary.component import Component, parse_component
from ...binary.encode import LazyJoin, binary_bytes, binary_size
from ...errors import Rejection, WizerscopeError
from ..input_digest import InputDigest
from ..instrument import Unit, probes
from ..module_pipeline import validate_rewritten
from ..options import Options
from ..pipeline import invalid_output
from ..rewrite import BodyFreeTwin, RewriteLog
from ..runtime import engines, internals
from ..runtime.heap import return_freed_memory
from ..snapshot import Snapshot
from .instrument import ComponentInstrumentation, instrument_component, instrument_component_lazily
from .rewrite import ComponentRewriteLog, rewrite_component
from .run import ComponentRunner
from .snapshot import ComponentSnapshot, snapshot_component
from .specialise import specialise

if TYPE_CHECKING:
    from ..reference_gaps import ReferenceGap

FULL_VALIDATION_LIMIT = 64 << 20


class ComponentPipeline:
    """The stages for a component (see the module docstring)."""

    kind = "component"

    def __init__(self, wasm: bytes | memoryview, on_digest: Callable[[str], None] | None = None) -> None:
        self.wasm = wasm
        self.digest = InputDigest(wasm, on_digest)     # hashed on a thread while the parse runs
        self.model: Component = parse_component(wasm)
        self._rejections: list[Rejection] | None = None
        self._runnable: Component | None = None

    def rejections(self) -> list[Rejection]:
        """Core validation of every module, then every rule of the reference, at every level; once.
        The component's own structure is checked when it compiles (see :meth:`full_rejections`)."""
        if self._rejections is None:
            from .check import check_component, validation_rejections   # skipped when checked before
            self._rejections = validation_rejections(self.model) or check_component(self.model)
        return self._rejections

    def accept_checked(self) -> None:
        """An earlier run's verdict on these bytes: :meth:`rejections` finds nothing (verdicts.py;
        the structure check of :meth:`full_rejections` is not part of it)."""
        self._rejections = []

    def full_rejections(self) -> list[Rejection]:
        """:meth:`rejections` and wasmtime's whole verdict on the component (types, aliases,
        instantiations): what ``inspect`` and ``init --check`` report. A run does not pay for it:
        the compile checks the same, and a compile failure is explained by it then."""
        found = self.rejections()
        if not found:
            structure = structure_rejection(self.wasm)
            if structure is not None:
                self._rejections = found = [structure]
        return found

    @property
    def runnable(self) -> Component:
        """The component the engine runs: once it passed the check, its specialisation (a module
        instantiated twice becomes one copy per instance); before, the input as parsed."""
        if self._rejections is None or self._rejections:
            return self.model
        if self._runnable is None:
            self._runnable = specialise(self.model)
        return self._runnable

    def units(self) -> list[Unit]:
        out = []
        for comp in self.runnable.walk():
            for mi, m in enumerate(comp.modules):
                insts = comp.instantiations(mi)
                if len(insts) == 1:
                    out.append(Unit(m, probes(m), comp.path, mi, insts[0].index, comp.copy_of.get(mi)))
        return out

    def check_options(self, options: Options) -> None:
        if options.renames:
            raise WizerscopeError("components do not support renaming functions")
        if options.preloads:
            raise WizerscopeError("--preload cannot be used with components")

    def instrument(self) -> tuple[LazyJoin, ComponentInstrumentation]:
        return instrument_component_lazily(self.runnable)

    def runner(self, instrumented: bytes | LazyJoin, options: Options, *, interruptible: bool) -> ComponentRunner:
        runner = ComponentRunner(instrumented, options, interruptible=interruptible)
        runner.input_rejection = lambda: structure_rejection(self.wasm)
        runner.input_modules = {comp.path: len(comp.modules) for comp in self.runnable.walk()}
        return_freed_memory()            # what validation and parsing freed: 13 MB of the compile's peak
        return runner

    def compiled(self, runner: ComponentRunner) -> None:
        runner.instrumented = b""      # wasmtime keeps its own copy: 18 MB less at the peak
        runner.rebuild_instrumented = lambda: instrument_component(self.runnable)[0]   # for a trap's backtrace

    def snapshot(self, runner: ComponentRunner, instrumentation: ComponentInstrumentation) -> ComponentSnapshot:
        return snapshot_component(instrumentation, runner)

    def unit_states(self, state: ComponentSnapshot, instrumentation: ComponentInstrumentation
                    ) -> list[tuple[Unit, Snapshot]]:
        return [(site, state.modules[site.key]) for site in instrumentation.sites if site.key in state.modules]

    def rewrite(self, state: ComponentSnapshot, options: Options) -> tuple[LazyJoin, ComponentRewriteLog, float]:
        log = ComponentRewriteLog()
        checked = 0.0

        def check_module_output(label: str, module: LazyJoin, proof: BodyFreeTwin | None) -> None:
            nonlocal checked
            t = time.perf_counter()
            validate_module(label, module, proof)
            checked += time.perf_counter() - t
        out = rewrite_component(self.runnable, state.modules, options, log, on_module=check_module_output)
        return out, log, checked

    def unit_rewrites(self, log: ComponentRewriteLog) -> dict[tuple[str, int], RewriteLog]:
        return log.modules

    def validate(self, output: bytes | LazyJoin, log: ComponentRewriteLog) -> None:
        c = self.runnable
        check_wiring(c, {k: v.removed_exports for k, v in log.modules.items()})
        # our own renumbering (export removal, specialisation) gets wasmtime's full check
        if (log.removed_exports or c.specialised) and binary_size(output) <= FULL_VALIDATION_LIMIT:
            validate_component(binary_bytes(output))

    def reference_gaps(self, options: Options) -> list[ReferenceGap]:
        """Read off the input as parsed: its specialisation no longer shows the gaps."""
        from .reference_gaps import component_gaps       # only --check and --json ask
        return component_gaps(self.model, options)


def check_wiring(c: Component, removed: dict[tuple[str, int], list[str]] | None = None) -> None:
    """Raise unless every ``alias core export`` and every module import fed by an instantiation
    argument names an export the (rewritten) module still has; ``removed`` lists, per module,
    the exports the rewrite dropped (so the input's model can stand for the output's)."""
    removed = removed or {}
    for comp in c.walk():
        def exports(ci_index: int, name: str) -> bool:
            ci = comp.core_instances[ci_index] if ci_index < len(comp.core_instances) else None
            if ci is None or ci.kind != "instantiate" or ci.module is None or ci.module >= len(comp.modules):
                return True
            return comp.modules[ci.module].export(name) is not None \
                and name not in removed.get((comp.path, ci.module), ())
        for a in comp.aliases:
            if a.target == "core export" and not exports(a.instance, a.name):
                raise _invalid(f"{comp.item_path(f'core instance {a.instance}')} has no export named `{a.name}`")
        for ci in comp.core_instances:
            if ci.kind != "instantiate" or ci.module is None or ci.module >= len(comp.modules):
                continue
            args = dict(ci.args)
            for imp in comp.modules[ci.module].imports:
                if imp.module in args and not exports(args[imp.module], imp.field):
                    raise _invalid(f"{comp.item_path(f'core instance {args[imp.module]}')} has no export named "
                                   f"`{imp.field}` (imported by core instance {ci.index})")


def validate_module(label: str, module: bytes | LazyJoin, proof: BodyFreeTwin | None = None) -> None:
    """Raise the pipeline's "internal error" if a rewritten core module does not validate
    (checked on ``proof``, its body-free twin, when there is one)."""
    try:
        validate_rewritten(module, proof)
    except WizerscopeError as e:
        raise _invalid(f"{label}: {e.message}") from None


def validate_component(out: bytes) -> None:
    """Compile the whole output with wasmtime (its full component validation). Winch compiles
    it fastest (componentize-py's 18 MB: ~1 s against ~2 s); what Winch cannot compile (a
    proposal it lacks) is compiled by the Cranelift engine, which has every proposal on, so only
    that engine's verdict can reject the output."""
    import wasmtime
    for engine in engines.init_engines("auto", epoch=False, fuel=False, settings=engines.helper_settings()):
        try:
            internals.compile_component(engine, out)
            return
        except wasmtime.WasmtimeError as e:
            if engine is engines.validation_engine():
                raise _invalid(engines.first_line(e)) from None


def structure_rejection(wasm: bytes | memoryview) -> Rejection | None:
    """wasmtime's verdict on a whole component, at the input byte it names; None when it compiles
    (or is larger than FULL_VALIDATION_LIMIT: then the run's own compile is the check). There is no
    validate-only call for components, so this compiles: Winch first (fastest), and only the
    Cranelift engine, which has every proposal on, may reject."""
    import wasmtime
    if len(wasm) > FULL_VALIDATION_LIMIT:
        return None
    candidates = engines.init_engines("auto", epoch=False, fuel=False, settings=engines.helper_settings())
    for engine in candidates:
        try:
            internals.compile_component(engine, bytes(wasm))
            return None
        except wasmtime.WasmtimeError as e:
            if engine is candidates[-1]:          # Cranelift, every proposal on: its verdict counts
                message = engines.first_line(e)
                at = re.search(r"\(at offset (0x[0-9a-fA-F]+)\)", message)
                return Rejection("validation", f"wasm validation failed: {message}",
                                 offset=int(at.group(1), 16) if at else None,
                                 hint="fix the producer: wasmtime rejects this component")
    return None


def validate_output(out: bytes, *, renumbered: bool = True) -> None:
    """Check any component output from scratch (re-parsed): every core module, the wiring, and
    with ``renumbered`` (up to FULL_VALIDATION_LIMIT bytes) a full compile."""
    try:
        c = parse_component(out)
    except WizerscopeError as e:
        raise _invalid(str(e)) from None
    for comp in c.walk():
        for i, m in enumerate(comp.modules):
            validate_module(comp.item_path(f"core module {i}"), bytes(m.raw()))
    check_wiring(c)
    if renumbered and len(out) <= FULL_VALIDATION_LIMIT:
        validate_component(out)


def _invalid(message: str) -> WizerscopeError:
    return invalid_output("component", message)
