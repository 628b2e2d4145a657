"""The whole component pipeline as one call, plus its stages.

``preinit_component(wasm, options)`` = parse → check → instrument → run → snapshot → rewrite →
validate. The output is validated before anyone writes it: every core module by wasmtime's
validator, and the component's wiring by re-parsing it and checking every ``alias core export``
and every module import satisfied by an instantiation argument against the rewritten modules'
exports (the mistake behind reference bug #13168). Those are the only things a rewrite with the
component sections copied verbatim can break (memory minimums only grow, export kinds and types
never change). When the rewrite re-encoded component sections (the init export was removed and
later funcs renumbered), the whole output is also compiled with wasmtime, up to
FULL_VALIDATION_LIMIT bytes.
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
from .instrument import ComponentInstrumentation, instrument_component
from .rewrite import ComponentRewriteLog, rewrite_component
from .run import ComponentRunner
from .snapshot import ComponentSnapshot, snapshot_component

ComponentModel = Component
FULL_VALIDATION_LIMIT = 4 << 20


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
        for site in self.instrumentation.sites:
            snap = self.snapshot.modules.get(site.key)
            log = self.rewrite.modules.get(site.key)
            if snap is None:
                continue
            m = site.module
            modules.append({
                "path": site.label,
                "core_instance": site.instance,
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
            "stdout": self.init.stdout.decode("utf-8", "replace"),
            "stderr": self.init.stderr.decode("utf-8", "replace"),
        }


def analyze_component(wasm: bytes | memoryview) -> tuple[Component, list[Rejection]]:
    """Parse and check a component; rejections are returned, not raised."""
    if header_kind(wasm) != "component":
        raise WizerscopeError("expected a component, found a core module")
    c = parse_component(wasm)
    rejections = validation_rejections(c)
    if rejections:
        return c, rejections
    return c, check_component(c)


def validate_output(out: bytes, *, renumbered: bool = True) -> None:
    """Raise if the rewritten component is not valid (see the module docstring)."""
    try:
        c = parse_component(out)
    except WizerscopeError as e:
        raise _invalid(str(e)) from None
    for comp in c.walk():
        for i, m in enumerate(comp.modules):
            try:
                engines.validate(bytes(m.raw()), "output")
            except WizerscopeError as e:
                raise _invalid(f"{comp.item_path(f'core module {i}')}: {e.message}") from None
        for a in comp.aliases:
            if a.target != "core export" or a.instance >= len(comp.core_instances):
                continue
            ci = comp.core_instances[a.instance]
            if ci.kind == "instantiate" and ci.module is not None and ci.module < len(comp.modules) \
                    and comp.modules[ci.module].export(a.name) is None:
                raise _invalid(f"{comp.item_path(f'core instance {ci.index}')} has no export named `{a.name}`")
        for ci in comp.core_instances:
            if ci.kind != "instantiate" or ci.module is None or ci.module >= len(comp.modules):
                continue
            args = dict(ci.args)
            for imp in comp.modules[ci.module].imports:
                src = comp.core_instances[args[imp.module]] if args.get(imp.module, 1 << 40) < len(
                    comp.core_instances) else None
                if src is not None and src.kind == "instantiate" and src.module is not None \
                        and src.module < len(comp.modules) and comp.modules[src.module].export(imp.field) is None:
                    raise _invalid(f"{comp.item_path(f'core instance {src.index}')} has no export named "
                                   f"`{imp.field}` (imported by core instance {ci.index})")
    if renumbered and len(out) <= FULL_VALIDATION_LIMIT:
        import wasmtime
        from wasmtime import component as wc
        try:
            wc.Component(engines.validation_engine(), out)
        except wasmtime.WasmtimeError as e:
            raise _invalid(engines._first_line(e)) from None


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
    try:
        runner.compile()
        runner.instrumented = b""      # wasmtime keeps its own copy: 18 MB less at the peak
        runner.instantiate()
        runner.initialize()
        t = time.perf_counter()
        snap = snapshot_component(table, runner)
        timings["snapshot"] = time.perf_counter() - t
    finally:
        runner.close()
    timings.update(runner.report.timings)
    t = time.perf_counter()
    log = ComponentRewriteLog()
    out = rewrite_component(c, snap.modules, options, log)
    timings["rewrite"] = time.perf_counter() - t
    if validate:
        t = time.perf_counter()
        validate_output(out, renumbered=bool(log.removed_exports))
        timings["validate output"] = time.perf_counter() - t
    return ComponentResult(out, c, table, snap, runner.report, log, timings)
