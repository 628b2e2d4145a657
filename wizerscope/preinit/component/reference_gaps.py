"""Where `wasmtime wizer` would refuse, crash on, or break a component that wizerscope handles
(see :mod:`wizerscope.preinit.reference_gaps`): nested components with modules, a module or a
nested component instantiated more than once, v128 globals, modules with state but no export
section, memories at their maximum or 64-bit, and the init export the component still aliases
(its bug #13168)."""
from __future__ import annotations

from ...binary.component import Component
from ...binary.module import Module
from ..options import Options
from ..reference_gaps import ReferenceGap
from .rewrite import init_export_referenced
from .structure import has_state


def _instantiated_module_gaps(comp: Component, mi: int, m: Module, out: list[ReferenceGap]) -> None:
    where = comp.item_path(f"core module {mi}")
    for g in m.globals:
        if g.type.mutable and g.type.value.name == "v128":
            out.append(ReferenceGap("v128-global", "component wizening does not support v128 globals",
                                    "snapshots it as two 64-bit halves", item=where, offset=g.offset))
            break
    state = m.memories or any(g.type.mutable for g in m.globals)
    if state and not m.has_export_section:
        out.append(ReferenceGap("no-export-section", "panics in its rewrite (`assertion left == right "
                                "failed`): the module has state but no export section to instrument",
                                "adds the export section its instrumentation needs", item=where, offset=m.start))
    for k, mt in enumerate(m.memories):
        if mt.maximum is not None and mt.maximum <= mt.minimum:
            out.append(ReferenceGap("memory-at-maximum", "its accessor grows the memory by a page to read "
                                    "it, traps, and Wizer panics", "reads the memory without growing it",
                                    item=f"{where} / memory {m.num_imported_memories + k}", offset=m.start))
        if mt.memory64:
            out.append(ReferenceGap("memory64-in-component", "fails to compile its accessor (`64-bit "
                                    "memories require the cm64 feature`)", "reads it through 64-bit accessors",
                                    item=f"{where} / memory {m.num_imported_memories + k}", offset=m.start))


def component_gaps(c: Component, options: Options) -> list[ReferenceGap]:
    out: list[ReferenceGap] = []
    for comp in c.walk():
        if comp.path and comp.modules:
            out.append(ReferenceGap(
                "nested-component-with-modules", "nested components with modules not currently supported",
                "snapshots the nested modules through accessors exported up each level and writes the "
                "state back into the nested definitions", item=comp.path,
                offset=comp.sections[comp.module_sections[0]].offset))
        for mi, m in enumerate(comp.modules):
            insts = comp.instantiations(mi)
            if len(insts) > 1:
                out.append(ReferenceGap(
                    "module-instantiated-twice", "modules may be instantiated at most once",
                    f"gives each of the {len(insts)} instances its own copy of the module",
                    item=comp.item_path(f"core module {mi}"), path="", offset=insts[1].offset))
            if insts:
                _instantiated_module_gaps(comp, mi, m, out)
            if not comp.path and not options.keep_init_func and m.export(options.init_func) is not None \
                    and init_export_referenced(comp, mi, options.init_func):
                out.append(ReferenceGap(
                    "aliased-init-export", "removes the core export the component still uses and writes an "
                    "invalid component, exiting 0 (bug #13168; workaround --keep-init-func=true)",
                    "keeps that core export: the output validates and behaves",
                    item=f"core module {mi} export `{options.init_func}`",
                    offset=m.export(options.init_func).offset))
        for k, child in enumerate(comp.components):
            insts = comp.component_instantiations(k)
            if len(insts) > 1 and has_state(child):
                out.append(ReferenceGap(
                    "component-instantiated-twice", "nested components with modules not currently supported",
                    f"gives each of the {len(insts)} instances its own copy of the nested component",
                    item=comp.item_path(f"component {k}"), offset=insts[1].offset))
    return out
