"""Reports made from what the pre-initializer produced (a :class:`~wizerscope.preinit.pipeline.
Run`, a determinism result); the inspection report is made by the inspector from its rows."""
from __future__ import annotations

import gzip
import threading
from typing import Callable

from ..binary.instructions import const_bits
from ..binary.values import format_value
from ..preinit.anatomy import Anatomy, anatomies
from ..preinit.determinism import DeterminismResult
from ..preinit.pipeline import Run, UnitRun
from ..preinit.reference_gaps import ReferenceGap
from ..preinit.rewrite import RewriteLog
from ..preinit.snapshot import Snapshot
from ..preinit.options import Options
from ..preinit.runtime.sandbox import host_mode
from ..preinit.startup import Startup
from .model import (AccessorReport, ComponentPart, DeterminismReport, GlobalReport, HostModeReport, MemoryReport,
                    ModuleReport, RewriteReport, RunReport, SegmentRecord, SegmentsReport)

LISTED_SEGMENTS = 1000       # segments listed one by one per module (the counts cover them all)


def globals_report(ur: UnitRun) -> list[GlobalReport]:
    """Every snapshotted global: before init (the state taken then, else the initializer) and after."""
    m = ur.unit.module
    out = []
    for gv in ur.after.globals:
        t = gv.type.name
        prior = ur.before.global_value(gv.index) if ur.before is not None else None
        before = prior.bits if prior is not None else const_bits(m.globals[gv.index - m.num_imported_globals].init_expr)
        out.append(GlobalReport(gv.index, m.names.globals.get(gv.index), t, format_value(t, before),
                                format_value(t, gv.bits), before != gv.bits))
    return out


def segments_report(snap: Snapshot) -> SegmentsReport:
    plan = snap.plan
    # the segments written: the plan's final ones, less what --drop-dead-stack cut away (or split)
    return SegmentsReport(len(plan.raw), len(plan.merged_arrays), len(plan.cap_arrays), plan.merged_to_fit,
                          len(snap.segments),
                          sum(len(s.data) for s in snap.segments),
                          [SegmentRecord(s.memory, s.offset, len(s.data)) for s in snap.segments[:LISTED_SEGMENTS]])


def rewrite_report(log: RewriteLog | None) -> RewriteReport | None:
    if log is None:
        return None
    return RewriteReport(log.removed_exports, log.renamed_exports, log.removed_start, log.emptied_active_segments,
                         log.kept_passive_segments, log.added_segments, log.data_count)


def module_report(ur: UnitRun) -> ModuleReport:
    u, snap = ur.unit, ur.after
    return ModuleReport(
        u.label, u.instance, u.copy_of, globals_report(ur),
        [MemoryReport(ms.index, str(ms.type), ms.type.minimum, ms.pages, ms.byte_length) for ms in snap.memories],
        segments_report(snap), rewrite_report(ur.rewrite))


def accessor_reports(table) -> list[AccessorReport]:
    """The component accessor table (a :class:`~wizerscope.preinit.component.instrument.
    ComponentInstrumentation`) as report rows."""
    return [AccessorReport(a.ordinal, a.path, a.module, a.instance, a.core_export, a.kind, str(a.probe.type),
                           a.wit_type, dict(a.funcs)) for a in table.accessors]


def component_part(run: Run) -> ComponentPart | None:
    """The component-only part of a run's report (None for a core module)."""
    if run.kind != "component":
        return None
    log = run.rewrite
    return ComponentPart(accessor_reports(run.instrumentation),
                         list(log.removed_exports) if log else [], list(log.kept_core_exports) if log else [],
                         log.renumbered_funcs_from if log else None,
                         {"bytes": run.snapshot.bytes_read, "calls": run.snapshot.read_calls})


def host_mode_report(options: Options) -> HostModeReport:
    """The host mode ``options`` ask for, as reports state it."""
    mode = host_mode(options)
    if not mode.deterministic:
        return HostModeReport(False, None, None, mode.describe())
    return HostModeReport(True, mode.seed, mode.epoch_s, mode.describe())


def run_anatomy(run: Run) -> list[Anatomy]:
    """One anatomy per snapshotted memory of every module of the run."""
    return [a for ur in run.units for a in anatomies(ur.unit.module, ur.unit.label, ur.after)]


def sizes(run: Run, input_size: int, gzipped: Callable[[], int] | None = None) -> dict:
    """Input and output bytes, the output gzipped (what a download costs) and the snapshot's share;
    ``gzipped``: what gives the gzipped size when it is being computed already (:func:`gzip_size_later`)."""
    out = run.output if run.output is not None else b""
    snap = sum(len(s.data) for ur in run.units for s in ur.after.segments)
    return {"input": input_size, "output": len(out), "output_gzip": gzipped() if gzipped is not None else _gzip_size(out),
            "snapshot": snap, "snapshot_share": round(snap / len(out), 4) if out else 0.0}


def gzip_size_later(data: bytes) -> Callable[[], int]:
    """The gzipped size of ``data``, computed on a thread from now on (zlib lets go of the GIL:
    componentize-py's 18 MB output takes ~0.9 s to compress, while the rest of a report is
    built); the returned function waits for it."""
    result: list[int] = [0]

    def compress() -> None:
        result[0] = _gzip_size(data)
    worker = threading.Thread(target=compress, name="wizerscope-gzip", daemon=True)
    worker.start()

    def size() -> int:
        worker.join()
        return result[0]
    return size


def _gzip_size(data: bytes) -> int:
    """The size of ``data`` gzipped at level 6 (0 for nothing)."""
    return len(gzip.compress(data, 6)) if data else 0


def run_report(run: Run, input_size: int, gaps: list[ReferenceGap], startup: Startup | None = None) -> RunReport:
    """``init --json``: the run, module by module, and what init asked of the host."""
    init = run.init
    gzipped = gzip_size_later(run.output if run.output is not None else b"")
    modules = [module_report(ur) for ur in run.units]
    component, anatomy = component_part(run), run_anatomy(run)
    return RunReport(
        run.kind, run.options.init_func, [str(v) for v in init.results], modules,
        component, sizes(run, input_size, gzipped),
        {k: round(v, 6) for k, v in run.timings.items()}, init.compiler,
        init.stdout.decode("utf-8", "replace"), init.stderr.decode("utf-8", "replace"), list(gaps),
        host_mode_report(run.options), [{"import": name, "calls": n} for name, n in init.host.call_list()],
        init.host.file_bytes_read, init.fuel_used, anatomy, startup, run.dead_stack_saved,
        list(init.notes), "reused" if init.reused_code else "mapped" if init.mapped_code else "compiled")


def determinism_report(d: DeterminismResult) -> DeterminismReport:
    return DeterminismReport(d.kind, d.init_func, d.deterministic, d.units,
                             [list(map(str, d.results[0])), list(map(str, d.results[1]))],
                             list(d.globals), list(d.memories), host_mode_report(d.options), list(d.interventions))
