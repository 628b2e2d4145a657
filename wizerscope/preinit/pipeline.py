"""The whole core pipeline as one call, plus its stages for embedders.

``preinit(wasm, options)`` = check → instrument → run → snapshot → rewrite → validate.
Each stage is also public so a caller can stop between them (the inspector does).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..binary.module import Module, header_kind, parse_module
from ..errors import RejectedError, Rejection, WizerscopeError
from . import engine as engines
from .check import check_module
from .instrument import Instrumentation, instrument_module
from .options import Options, check_renames
from .rewrite import RewriteLog, rewrite_module
from .run import CoreRunner, InitReport, check_init_export
from .snapshot import Snapshot, snapshot


@dataclass
class Result:
    """Everything one pre-initialization produced."""

    output: bytes
    module: Module
    instrumentation: Instrumentation
    snapshot: Snapshot
    init: InitReport
    rewrite: RewriteLog
    timings: dict[str, float] = field(default_factory=dict)


def analyze_module(wasm: bytes | memoryview) -> tuple[Module, list[Rejection]]:
    """Validate, parse and check a core module; rejections are returned, not raised."""
    if header_kind(wasm) != "module":
        raise WizerscopeError("expected a core module, found a component")
    try:
        engines.validate(wasm)
    except WizerscopeError as e:
        return _parse_or_none(wasm), [Rejection("validation", e.message, offset=e.offset,
                                                hint="fix the producer: wasmtime rejects this binary")]
    m = parse_module(wasm)
    return m, check_module(m)


def _parse_or_none(wasm):
    try:
        return parse_module(wasm)
    except WizerscopeError:
        return None


def instrument(wasm: bytes | memoryview) -> tuple[bytes, Instrumentation]:
    """Library API: the instrumented module (state exported as `__wizer_*`) and its map."""
    m, rejections = analyze_module(wasm)
    if rejections:
        raise RejectedError(rejections)
    return instrument_module(m)


def preinit(wasm: bytes | memoryview, options: Options | None = None, *, validate_output: bool = True) -> Result:
    """Pre-initialize a core module; raise a WizerscopeError subclass on any failure."""
    options = options or Options()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    m, rejections = analyze_module(wasm)
    if rejections:
        raise RejectedError(rejections)
    check_renames(options.renames)
    check_init_export(m, options.init_func)
    instrumented, ins = instrument_module(m)
    timings["check+instrument"] = time.perf_counter() - t0
    runner = CoreRunner(instrumented, m, options)
    snap = runner.snapshot_after_init(lambda r: snapshot(ins, r), timings)
    t = time.perf_counter()
    log = RewriteLog()
    out = rewrite_module(m, snap, init_func=options.init_func, keep_init_func=options.keep_init_func,
                         renames=options.renames, log=log)
    timings["rewrite"] = time.perf_counter() - t
    if validate_output:
        t = time.perf_counter()
        try:
            engines.validate(out, "output")
        except WizerscopeError as e:
            raise WizerscopeError(f"internal error: the pre-initialized module is invalid ({e.message}); "
                                  "nothing was written. Please report this input.") from None
        timings["validate output"] = time.perf_counter() - t
    return Result(out, m, ins, snap, runner.report, log, timings)
