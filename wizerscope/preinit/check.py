"""Every reason a core module cannot be pre-initialized, as structured :class:`Rejection` records.

Rules and messages follow the reference, in its order (validation, then forbidden instructions and
mutable reference globals in payload order, then reserved names, then imports; see
docs/reference.md); where the reference panics
(shared memories, imported tags) we reject with a clear message instead.
"""
from __future__ import annotations

from ..binary.module import Module, scan_forbidden
from ..errors import Rejection
from .runtime.kernels import forbidden_scan

PREFIX = "__wizer_"

_INSTRUCTION_HINTS = {
    "table.copy": "table contents cannot be snapshotted; move table mutation out of every function "
                  "(the check is static: the instruction anywhere in the code is enough)",
    "data.drop": "segments cannot be dropped in a snapshotted module; build without passive-segment "
                 "dropping (e.g. for LLVM: -mno-bulk-memory-opt) or keep the segments",
    "elem.drop": "element segments cannot be dropped in a snapshotted module",
}
_GENERIC_TABLE_HINT = ("tables are not snapshotted, so no function may mutate one (the check is static: "
                       "the instruction anywhere in the code is enough); remove it or use a build without "
                       "reference-types table mutation")
_GC_HINT = "GC objects are not snapshotted, so no function may mutate them"


def _instruction_hint(name: str) -> str:
    if name in _INSTRUCTION_HINTS:
        return _INSTRUCTION_HINTS[name]
    if name.startswith(("struct.", "array.")):
        return _GC_HINT
    return _GENERIC_TABLE_HINT


def check_module(m: Module, *, top_level: bool = True, path: str = "") -> list[Rejection]:
    """All rejections for an already-validated module, in the reference's order.

    ``top_level`` is False for modules inside a component: those may import memories, tables and
    globals from sibling instances.
    """
    return (_code_rules(m, path) + _reserved_names(m, path) + _import_rules(m, top_level, path)
            + _memory_rules(m, path))


def _code_rules(m: Module, path: str) -> list[Rejection]:
    """Forbidden instructions and mutable reference globals, in payload order."""
    found = forbidden_scan.scan_module(m) if forbidden_scan.worth_it(m) else None
    if found is None:            # small code, or the fast scanner could not decode something
        found = scan_forbidden(m)
    ref_globals = []
    for i, g in enumerate(m.globals):
        if g.type.mutable and g.type.value.is_ref:
            gi = m.num_imported_globals + i
            name = m.names.globals.get(gi)
            ref_globals.append(Rejection(
                "mutable-ref-global", "unsupported mutable global containing a reference type",
                item=f"global {gi}" + (f" ${name}" if name else "") + f" : {g.type}", offset=g.offset,
                hint="reference values cannot be snapshotted; make the global immutable or store an index "
                     "into linear memory instead", path=path))
    instr = []
    for f in found:
        name = m.func_name(f.func_index)
        instr.append(Rejection(
            "forbidden-instruction", f"unsupported `{f.instruction}` instruction",
            item=f"func {f.func_index}" + (f" ${name}" if name else "") + f" : {f.instruction}",
            offset=f.offset, hint=_instruction_hint(f.instruction), path=path))
    code, glob = m.section(10), m.section(6)
    if glob is not None and code is not None and glob.offset > code.offset:
        return instr + ref_globals
    return ref_globals + instr


def _reserved_names(m: Module, path: str) -> list[Rejection]:
    """The first import and the first export named with the instrumentation's prefix."""
    out = []
    imp = next((i for i in m.imports if i.module.startswith(PREFIX) or i.field.startswith(PREFIX)), None)
    if imp is not None:
        out.append(Rejection(
            "reserved-import-name", "input Wasm module already imports entities named with the `__wizer_*` prefix",
            item=f"import {imp.module}.{imp.field}", offset=imp.offset,
            hint="the `__wizer_` prefix is reserved for instrumentation; rename the import", path=path))
    exp = next((e for e in m.exports if e.name.startswith(PREFIX)), None)
    if exp is not None:
        out.append(Rejection(
            "reserved-export-name", "input Wasm module already exports entities named with the `__wizer_*` prefix",
            item=f"export {exp.name!r}", offset=exp.offset,
            hint="the `__wizer_` prefix is reserved for instrumentation (is this an instrumented "
                 "module?); rename the export", path=path))
    return out


def _import_rules(m: Module, top_level: bool, path: str) -> list[Rejection]:
    """Imported tags (the reference crashes on them) and, at the top level, imported state."""
    out = []
    for imp in m.imports:
        if imp.kind == "tag":
            out.append(Rejection(
                "imported-tag", "imported tags are not supported",
                item=f"import {imp.module}.{imp.field} (tag)", offset=imp.offset,
                hint="define the exception tag inside the module instead of importing it "
                     "(`wasmtime wizer` crashes on this input)", path=path))
        elif top_level and imp.kind in ("global", "table", "memory"):
            what = {"global": "globals", "table": "tables", "memory": "memories"}[imp.kind]
            out.append(Rejection(
                f"imported-{imp.kind}", f"imported {what} are not supported",
                item=f"import {imp.module}.{imp.field} ({imp.kind} {imp.desc})", offset=imp.offset,
                hint=f"state that lives outside the module cannot be snapshotted; define the {imp.kind} "
                     "inside the module" + (" (e.g. link without --import-memory)" if imp.kind == "memory"
                                             else ""), path=path))
    return out


def _memory_rules(m: Module, path: str) -> list[Rejection]:
    """Shared memories (the reference crashes on them)."""
    mem_sec = m.section(5)
    return [Rejection(
        "shared-memory", "shared memories are not supported", item=f"memory {m.num_imported_memories + i} : {mt}",
        offset=mem_sec.payload_offset if mem_sec else None,
        hint="a shared memory may be written by other threads while it is snapshotted; build "
             "without threads/shared memory (`wasmtime wizer` crashes on this input)", path=path)
        for i, mt in enumerate(m.memories) if mt.shared]
