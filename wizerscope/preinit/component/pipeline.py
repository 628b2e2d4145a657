"""The whole component pipeline as one call, plus its stages.

``preinit_component(wasm, options)`` = parse → check → instrument → run → snapshot → rewrite →
validate. The output is validated before anyone writes it: every core module by wasmtime's
validator, and the component's wiring by re-parsing it and checking every ``alias core export``
and every module import satisfied by an instantiation argument against the rewritten modules'
exports (the mistake behind reference bug #13168). Those are the only things a rewrite with the
component sections copied verbatim can break (memory minimums only grow, export kinds and types
never change). When component sections were re-encoded (the init export was removed and later
funcs renumbered, or a definition instantiated twice was specialised and later definitions
renumbered), the whole output is also compiled with wasmtime, up to FULL_VALIDATION_LIMIT bytes
(componentize-py's 18 MB output without --keep-init-func: +0.86 s with Winch, still 0.57x the
reference's wall time).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ...binary.component import Component, parse_component
from ...binary.module import header_kind
from ...errors import RejectedError, Rejection, WizerscopeError
from ...report import format_value
from .. import engine as engines
from ..options import Options
from ..run import InitReport
from .check import check_component, validation_rejections
from .specialise import specialise
from .instrument import ComponentInstrumentation, instrument_component
from .rewrite import ComponentRewriteLog, rewrite_component
from .run import ComponentRunner
from .snapshot import ComponentSnapshot, snapshot_component

ComponentModel = Component
FULL_VALIDATION_LIMIT = 64 << 20


@dataclass
class ComponentResult:
    """Everything one component pre-initialization produced."""

    output: bytes
    component: Component
    instrumentation: ComponentInstrumentation
    snapshot: ComponentSnapshot
    init: InitReport
    rewrite: ComponentRewriteLog
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self, input_size: int) -> dict:
        modules = []
        levels = {level.path: level for level in self.component.walk()}
        for site in self.instrumentation.sites:
            snap = self.snapshot.modules.get(site.key)
            log = self.rewrite.modules.get(site.key)
            if snap is None:
                continue
            m = site.module
            modules.append({
                "path": site.label,
                "core_instance": site.instance,
                # a copy made so that a twice-instantiated module has one definition per instance
                "copy_of": levels[site.path].copy_of.get(site.module_index),
                "globals": [{"index": g.index, "type": g.type.name, "after": format_value(g.type.name, g.bits)}
                            for g in snap.globals],
                "memories": [{"index": ms.index, "type": str(ms.type), "pages_before": ms.type.minimum,
                              "pages_after": ms.pages, "bytes": ms.byte_length} for ms in snap.memories],
                "segments": {"raw_runs": len(snap.plan.raw), "merged": len(snap.plan.merged_arrays),
                             "final": len(snap.plan.final_arrays),
                             "bytes": sum(len(s.data) for s in snap.segments)},
                "removed_exports": log.removed_exports if log else [],
                "removed_start": log.removed_start if log else None,
                "exports_before": len(m.exports),
            })
        return {
            "kind": "component",
            "init_results": list(self.init.results),
            "accessors": self.instrumentation.to_json(),
            "modules": modules,
            "rewrite": {"removed_exports": self.rewrite.removed_exports,
                        "kept_core_exports": self.rewrite.kept_core_exports},
            "state_read": {"bytes": self.snapshot.bytes_read, "calls": self.snapshot.read_calls},
            "sizes": {"input": input_size, "output": len(self.output)},
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "compiler": self.init.compiler,
            "stdout": self.init.stdout.decode("utf-8", "replace"),
            "stderr": self.init.stderr.decode("utf-8", "replace"),
        }


def analyze_component(wasm: bytes | memoryview) -> tuple[Component, list[Rejection]]:
    """Parse and check a component; rejections are returned, not raised. An accepted component
    comes back specialised: a module instantiated twice has become one copy per instance."""
    if header_kind(wasm) != "component":
        raise WizerscopeError("expected a component, found a core module")
    c = parse_component(wasm)
    rejections = validation_rejections(c)
    if rejections:
        return c, rejections
    rejections = check_component(c)
    return (c if rejections else specialise(c)), rejections


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


def validate_module(label: str, module: bytes) -> None:
    """Raise the pipeline's "internal error" if a rewritten core module does not validate."""
    try:
        engines.validate(module, "output")
    except WizerscopeError as e:
        raise _invalid(f"{label}: {e.message}") from None


def validate_component(out: bytes) -> None:
    """Compile the whole output with wasmtime (its full component validation). Winch compiles
    it fastest (componentize-py's 18 MB: ~1 s against ~2 s); what Winch cannot compile (a
    proposal it lacks) is compiled by the Cranelift engine, which has every proposal on, so only
    that engine's verdict can reject the output."""
    import wasmtime
    from wasmtime import component as wc
    for engine in engines.init_engines("auto", epoch=False, fuel=False):
        try:
            wc.Component(engine, out)
            return
        except wasmtime.WasmtimeError as e:
            if engine is engines.validation_engine():
                raise _invalid(engines._first_line(e)) from None


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


def _return_freed_memory() -> None:
    """Hand the heap that validation and parsing freed back to the OS before the big compile
    (glibc keeps it otherwise: 13 MB of comp_py's peak). A no-op where malloc_trim is missing."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _invalid(message: str) -> WizerscopeError:
    return WizerscopeError(f"internal error: the pre-initialized component is invalid ({message}); nothing "
                           "was written. Please report this input.")


def preinit_component(wasm: bytes | memoryview, options: Options | None = None, *,
                      validate: bool = True) -> ComponentResult:
    """Pre-initialize a component; raise a WizerscopeError subclass on any failure."""
    options = options or Options()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    c, rejections = analyze_component(wasm)
    if rejections:
        raise RejectedError(rejections)
    if options.renames:
        raise WizerscopeError("components do not support renaming functions")
    if options.preloads:
        raise WizerscopeError("--preload cannot be used with components")
    timings["check"] = time.perf_counter() - t0
    t = time.perf_counter()
    instrumented, table = instrument_component(c)
    timings["instrument"] = time.perf_counter() - t
    runner = ComponentRunner(instrumented, options)
    del instrumented
    _return_freed_memory()

    def drop_instrumented(r: ComponentRunner) -> None:
        r.instrumented = b""      # wasmtime keeps its own copy: 18 MB less at the peak
        r.rebuild_instrumented = lambda: instrument_component(c)[0]   # for a trap's backtrace
    snap = runner.snapshot_after_init(lambda r: snapshot_component(table, r), timings, drop_instrumented)
    t = time.perf_counter()
    log = ComponentRewriteLog()
    checked = 0.0

    def check_module_output(label: str, module: bytes) -> None:
        nonlocal checked
        t1 = time.perf_counter()
        validate_module(label, module)
        checked += time.perf_counter() - t1
    out = rewrite_component(c, snap.modules, options, log, on_module=check_module_output if validate else None)
    timings["rewrite"] = time.perf_counter() - t - checked
    if validate:
        t = time.perf_counter()
        check_wiring(c, {k: v.removed_exports for k, v in log.modules.items()})
        # our own renumbering (export removal, specialisation) gets wasmtime's full check
        if (log.removed_exports or c.specialised) and len(out) <= FULL_VALIDATION_LIMIT:
            validate_component(out)
        timings["validate output"] = time.perf_counter() - t + checked
    return ComponentResult(out, c, table, snap, runner.report, log, timings)
