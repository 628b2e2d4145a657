"""The input as a tree of labelled nodes: component → nested components, core modules (with their
sections and entries), core instances, instances, imports and exports.

Only parsed models go in; nothing is compiled. Long entry lists are cut at MAX_ENTRIES with a
closing "... N more" node: a person reads the first few hundred, and a componentize-py module
with thousands of exports must still open instantly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..binary.component_types import func_signature, type_space
from ..binary.instructions import const_bits
from ..binary.module import Module
from ..binary.types import CODE, CUSTOM, DATA, EXPORT, GLOBAL, IMPORT, MEMORY, START, TYPE
from ..binary.values import format_value
from ..errors import printable, shorten

MAX_ENTRIES = 500


@dataclass
class TreeNode:
    """One node of the structure tree: a label, its details, its children, where it is."""

    label: str
    kind: str
    details: list[tuple[str, str]] = field(default_factory=list)
    children: list["TreeNode"] = field(default_factory=list)
    offset: int | None = None
    size: int | None = None

    def find(self, label_prefix: str) -> "TreeNode | None":
        """The first node (depth first) whose label starts with ``label_prefix``."""
        if self.label.startswith(label_prefix):
            return self
        for c in self.children:
            hit = c.find(label_prefix)
            if hit is not None:
                return hit
        return None

    def to_json(self) -> dict:
        return {"label": self.label, "kind": self.kind, "offset": self.offset, "size": self.size,
                "details": dict(self.details), "children": [c.to_json() for c in self.children]}


def _node(label: str, kind: str, details=None, children=None, offset=None, size=None) -> TreeNode:
    """A node whose label and details are safe to show (names come from the binary)."""
    shown = [(k, printable(v) if isinstance(v, str) else v) for k, v in details or []]
    return TreeNode(printable(label), kind, shown, list(children or []), offset, size)


def _capped(nodes: list, total: int) -> list:
    if total > len(nodes):
        nodes.append(_node(f"... {total - len(nodes):,} more", "more"))
    return nodes


def _bytes(n: int) -> str:
    return f"{n:,} bytes"


def _section_entries(m: Module, sid: int) -> list:
    out = []
    if sid == IMPORT:
        for imp in m.imports[:MAX_ENTRIES]:
            out.append(_node(f"import {shorten(imp.module)}.{shorten(imp.field)} : {imp.kind}", "import",
                             [("module", shorten(imp.module)), ("field", shorten(imp.field)), ("kind", imp.kind),
                              ("type", str(m.types[imp.desc]) if imp.kind == "func" and isinstance(imp.desc, int)
                               and imp.desc < len(m.types) else str(imp.desc)),
                              ("offset", f"{imp.offset:#x}")], offset=imp.offset))
        return _capped(out, len(m.imports))
    if sid == EXPORT:
        for e in m.exports[:MAX_ENTRIES]:
            det = [("name", shorten(e.name)), ("kind", e.kind), ("index", str(e.index)), ("offset", f"{e.offset:#x}")]
            if e.kind == "func":
                det.append(("type", str(m.func_type(e.index))))
            out.append(_node(f"export {shorten(e.name)!r} : {e.kind} {e.index}", "export", det, offset=e.offset))
        return _capped(out, len(m.exports))
    if sid == GLOBAL:
        for k, g in enumerate(m.globals[:MAX_ENTRIES]):
            gi = m.num_imported_globals + k
            name = m.names.globals.get(gi)
            name = shorten(name) if name else name
            bits = const_bits(g.init_expr)
            init = format_value(g.type.value.name, bits) if bits is not None else "expr " + g.init_expr.hex()
            out.append(_node(f"global {gi}" + (f" ${name}" if name else "") + f" : {g.type} = {init}", "global",
                             [("index", str(gi)), ("name", name or ""), ("type", str(g.type)),
                              ("initializer", init), ("offset", f"{g.offset:#x}")], offset=g.offset))
        return _capped(out, len(m.globals))
    if sid == MEMORY:
        for k, mt in enumerate(m.memories):
            mi = m.num_imported_memories + k
            out.append(_node(f"memory {mi} : {mt}", "memory",
                             [("index", str(mi)), ("minimum", f"{mt.minimum} pages"),
                              ("maximum", "none" if mt.maximum is None else f"{mt.maximum} pages"),
                              ("page size", _bytes(mt.page_size)), ("64-bit", str(mt.memory64)),
                              ("shared", str(mt.shared))]))
        return out
    if sid == DATA:
        for i, s in enumerate(m.segments[:MAX_ENTRIES]):
            off = const_bits(s.offset_expr) if s.mode == "active" else None
            where = f"memory {s.memory} @ {off:#x}" if off is not None else ("passive" if s.mode == "passive"
                                                                             else f"memory {s.memory} @ expr")
            out.append(_node(f"data {i} : {where}, {s.length:,} bytes", "data",
                             [("index", str(i)), ("mode", s.mode), ("memory", str(s.memory)),
                              ("offset", "" if off is None else f"{off:#x}"), ("length", _bytes(s.length)),
                              ("file offset", f"{s.data_offset:#x}")], offset=s.offset))
        return _capped(out, len(m.segments))
    return out


def _section_label(m: Module, s) -> str:
    extra = {IMPORT: len(m.imports), EXPORT: len(m.exports), GLOBAL: len(m.globals), MEMORY: len(m.memories),
             DATA: len(m.segments), CODE: m.code_count, TYPE: len(m.types)}.get(s.id)
    label = f"{s.kind} section"
    if extra is not None:
        label += f" ({extra:,})"
    if s.id == START:
        label += f" (func {m.start_func})"
    return label + f"  @{s.offset:#x} {s.size:,} B"


def module_children(m: Module) -> list:
    out = []
    for s in m.sections:
        det = [("section", s.kind), ("offset", f"{s.offset:#x}"), ("size", _bytes(s.size)),
               ("payload offset", f"{s.payload_offset:#x}")]
        if s.id == CUSTOM:
            det.append(("custom name", shorten(s.custom_name or "")))
        out.append(_node(_section_label(m, s), "section", det, _section_entries(m, s.id), s.offset, s.size))
    return out


def _module_details(m: Module) -> list[tuple[str, str]]:
    return [("kind", "core module"), ("offset", f"{m.start:#x}"), ("size", _bytes(m.end - m.start)),
            ("sections", str(len(m.sections))), ("imports", str(len(m.imports))),
            ("exports", str(len(m.exports))),
            ("functions", f"{m.num_imported_funcs} imported + {m.code_count} defined"),
            ("globals", f"{m.num_imported_globals} imported + {len(m.globals)} defined"),
            ("memories", f"{m.num_imported_memories} imported + {len(m.memories)} defined"),
            ("data segments", str(len(m.segments))),
            ("start function", "none" if m.start_func is None else str(m.start_func))]


def module_tree(m: Module, name: str, size: int):
    return _node(f"{name} (core module, {size:,} bytes)", "module", _module_details(m), module_children(m),
                 m.start, m.end - m.start)


def component_tree(c, name: str, size: int):
    """Component → sections, core modules (with their sections), core instances, nested components."""
    label = f"{name} (component, {size:,} bytes)" if not c.path else f"{c.path.split(' / ')[-1]}"
    det = [("kind", "component" if not c.path else "nested component"), ("path", c.path or "(root)"),
           ("offset", f"{c.start:#x}"), ("size", _bytes(c.end - c.start)),
           ("core modules", str(len(c.modules))), ("core instances", str(len(c.core_instances))),
           ("nested components", str(len(c.components))), ("imports", str(len(c.imports))),
           ("exports", str(len(c.exports)))]
    children = [_node(f"sections ({len(c.sections)})", "group", [], [
        _node(f"{s.kind} section  @{s.offset:#x} {s.size:,} B", "section",
              [("section", s.kind), ("offset", f"{s.offset:#x}"), ("size", _bytes(s.size))], offset=s.offset,
              size=s.size) for s in c.sections])]
    for i, m in enumerate(c.modules):
        insts = c.instantiations(i)
        how = ", ".join(f"core instance {ci.index}" for ci in insts) or "not instantiated"
        mdet = _module_details(m) + [("instantiated as", how), ("path", c.item_path(f"core module {i}"))]
        if len(insts) > 1:
            mdet.append(("pre-initialized as", f"{len(insts)} copies, one per instance (each with its own "
                                               "snapshot; `wasmtime wizer` refuses this module)"))
        children.append(_node(f"core module {i}  ({(m.end - m.start):,} B, {how})", "module", mdet,
                              module_children(m), m.start, m.end - m.start))
    if c.core_instances:
        inst_nodes = []
        for ci in c.core_instances[:MAX_ENTRIES]:
            if ci.kind == "instantiate":
                args = ", ".join(f"{n!r}: {i}" for n, i in ci.args)
                text = f"core instance {ci.index} = instantiate core module {ci.module}" + (f" with {{{args}}}"
                                                                                           if args else "")
            else:
                items = ", ".join(f"{n!r}: {s} {i}" for n, s, i in ci.items[:6])
                more = " ..." if len(ci.items) > 6 else ""
                text = f"core instance {ci.index} = exports {{{items}{more}}}"
            inst_nodes.append(_node(text, "core instance", [("index", str(ci.index)), ("kind", ci.kind),
                                                            ("offset", f"{ci.offset:#x}")], offset=ci.offset))
        children.append(_node(f"core instances ({len(c.core_instances)})", "group", [],
                              _capped(inst_nodes, len(c.core_instances))))
    for child in c.components:
        children.append(component_tree(child, name, child.end - child.start))
    if c.instances:
        children.append(_node(f"component instances ({len(c.instances)})", "group", [], [
            _node(f"instance {ci.index} = {ci.kind}" + (f" component {ci.component}" if ci.component is not None
                                                          else ""), "instance",
                  [("index", str(ci.index)), ("kind", ci.kind), ("offset", f"{ci.offset:#x}")], offset=ci.offset)
            for ci in c.instances[:MAX_ENTRIES]]))
    space = type_space(c)

    def extern_node(title: str, e):
        kind = (func_signature(c, e.index, space) if e.sort == "func" else None) or e.sort
        return _node(f"{title[:-1]} {shorten(e.name)!r} : {kind}", title[:-1],
                     [("name", shorten(e.name)), ("sort", e.sort), ("type", kind), ("index", str(e.index)),
                      ("offset", f"{e.offset:#x}")]
                     + ([("target", str(e.target))] if e.target is not None else []), offset=e.offset)
    for title, entries in (("imports", c.imports), ("exports", c.exports)):
        if entries:
            children.append(_node(f"{title} ({len(entries)})", "group", [],
                                  [extern_node(title, e) for e in entries[:MAX_ENTRIES]]))
    return _node(label, "component", det, children, c.start, c.end - c.start)
