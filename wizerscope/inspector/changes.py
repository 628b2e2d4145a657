"""What the rewrite changed, section by section, as rows a person reads: memory minimums, global
initializers, removed and renamed exports, the start section, the data segments and the data
count arithmetic, and for components the export removal and the core exports kept."""
from __future__ import annotations

from ..preinit.pipeline import Run


def rewrite_changes(run: Run, name: str) -> list[tuple[str, str, str]]:
    """(module, section, change) rows from the run's rewrite logs (``name``: the core input's)."""
    rows: list[tuple[str, str, str]] = []
    for ur in run.units:
        log = ur.rewrite
        if log is None:
            continue
        where = ur.unit.title or name
        for idx, old, new in log.memory_minimums:
            change = f"memory {idx}: minimum {old} -> {new} pages" if old != new else \
                f"memory {idx}: minimum stays {old} pages"
            rows.append((where, "memory", change))
        for gi in log.globals_changed:
            rows.append((where, "global", f"global {gi}: initializer replaced by the snapshot value"))
        for e in log.removed_exports:
            rows.append((where, "export", f"removed export {e!r}"))
        for old, new in log.renamed_exports:
            rows.append((where, "export", f"renamed export {old!r} -> {new!r}"))
        if log.removed_start is not None:
            rows.append((where, "start", f"start section removed (func {log.removed_start} already ran)"))
        if log.emptied_active_segments:
            rows.append((where, "data", f"{log.emptied_active_segments} active segment(s) emptied into passive "
                                        "ones (indices stay valid for memory.init and names)"))
        if log.kept_passive_segments:
            rows.append((where, "data", f"{log.kept_passive_segments} passive segment(s) kept with their bytes"))
        rows.append((where, "data", f"{log.added_segments:,} snapshot segment(s) appended as active segments"))
        if log.data_count is not None:
            old, new = log.data_count
            rows.append((where, "datacount", f"data count {old} -> {new} ({old} + {log.added_segments})"))
    comp = run.rewrite if run.kind == "component" else None
    if comp is not None:
        for e in comp.removed_exports:
            rows.append(("component", "export", f"removed component export {e!r}"))
        for k in comp.kept_core_exports:
            rows.append(("component", "export", f"kept core export {k} (the component still aliases it; "
                                                "wasmtime wizer removes it, bug #13168)"))
        if comp.renumbered_funcs_from is not None:
            rows.append(("component", "canon/instance/export",
                         f"component funcs after {comp.renumbered_funcs_from} renumbered"))
    return rows
