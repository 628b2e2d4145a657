"""One copy of a definition per instance, so every instance gets its own snapshot.

The reference rejects a component whose core module is instantiated more than once ("modules may
be instantiated at most once"), and cannot reach modules inside nested components at all: both
instances would share one definition, but after init they hold different state. wizerscope
specialises instead, before anything else runs: the definition (a core module, or a nested
component holding core modules) is copied, byte for byte, once per further instantiation, and
each further instantiation is pointed at its copy. The rest of the pipeline then sees a component
in which every definition is instantiated once, and snapshots and rewrites each copy like any
other.

A copy is placed right before the instance section that instantiates it; the definitions of its
kind made after that point move up by the number of copies before them, and every reference to
them (instantiations, instantiation arguments, export bundles, exports) is renumbered. A nested
component that reaches this level's definitions through an ``alias outer`` would need its alias
renumbered too (the check rejects such aliases anyway); that case is left to :func:`blocker`,
which the check turns into a rejection naming both instances.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...binary import component_encode as ce
from ...binary.component import (C_COMPONENT, C_CORE_INSTANCE, C_EXPORT, C_INSTANCE, Component,
                                 parse_component)
from ...binary.section import Section
from ...binary import encode
from ...binary.encode import section, uleb
from ...binary.reader import Reader
from ...errors import WizerscopeError
from .structure import has_state


@dataclass(frozen=True)
class Copy:
    """A further instantiation of definition ``original`` (by instance ``instance``) and the
    index of the copy it will instantiate instead."""

    original: int
    instance: int
    new_index: int
    section: int            # index of the instance section holding the instantiation


@dataclass
class Plan:
    """What one kind of definition (core modules or components) needs at one level."""

    sort: str
    copies: list[Copy]
    renumber: dict[int, int]           # original index -> index after the copies went in

    @property
    def shifted(self) -> bool:
        return any(old != new for old, new in self.renumber.items())

    def remap(self, index: int) -> int:
        return self.renumber.get(index, index)


def _section_of(c: Component, offset: int) -> int:
    return next(si for si, s in enumerate(c.sections) if s.offset <= offset < s.end)


def _definitions(c: Component, sort: str) -> list[int]:
    """File offsets at which an index of ``sort`` is defined, in index order."""
    own = c.module_sections if sort == "core module" else c.component_sections
    out = [c.sections[si].offset for si in own]
    out += [a.offset for a in c.aliases if a.sort == sort]
    out += [e.offset for e in c.imports + c.exports if e.sort == sort]
    return sorted(out)


def _further_instantiations(c: Component, sort: str) -> list[tuple[int, int, int]]:
    """(section, instance, definition) of every instantiation after a definition's first."""
    if sort == "core module":
        found = [(ci, mi) for mi in range(len(c.modules)) for ci in c.instantiations(mi)[1:]]
    else:
        found = [(ci, k) for k, child in enumerate(c.components) if has_state(child)
                 for ci in c.component_instantiations(k)[1:]]
    return sorted((_section_of(c, ci.offset), ci.index, d) for ci, d in found)


def plan(c: Component, sort: str) -> Plan:
    """The copies of ``sort`` definitions one level of ``c`` needs, and the renumbering."""
    extra = _further_instantiations(c, sort)
    if not extra:
        return Plan(sort, [], {})
    defs = _definitions(c, sort)
    copies, renumber = [], {}
    d = k = 0                      # original definitions and copies placed so far
    for si, inst, original in extra:
        at = c.sections[si].offset
        while d < len(defs) and defs[d] < at:
            renumber[d] = d + k
            d += 1
        copies.append(Copy(original, inst, d + k, si))
        k += 1
    for rest in range(d, len(defs)):
        renumber[rest] = rest + k
    return Plan(sort, copies, renumber)


def _plans(c: Component) -> tuple[Plan, Plan]:
    return plan(c, "core module"), plan(c, "component")


def blocker(c: Component) -> str | None:
    """Why this level's further instantiations cannot get their own copies, or None."""
    for p in _plans(c):
        if p.shifted and any(a.target == "outer" and a.sort == p.sort for child in c.components
                             for level in child.walk() for a in level.aliases):
            return (f"a nested component aliases this component's {p.sort}s, and a copy per "
                    "instance would renumber them")
    return None


def needed(c: Component) -> bool:
    return any(p.copies for level in c.walk() for p in _plans(level))


def specialise(c: Component) -> Component:
    """``c`` itself when every definition is instantiated once; else the specialised component,
    parsed (per level, ``copy_of`` maps each module copy to the module it copies). Call it only
    after the check (:func:`blocker` is None everywhere)."""
    if not needed(c):
        return c
    specialised = parse_component(_level_bytes(c))
    _mark_copies(c, specialised)
    specialised.specialised = True
    return specialised


def _mark_copies(old: Component, new: Component) -> None:
    modules, components = _plans(old)
    new.copy_of = {cp.new_index: modules.remap(cp.original) for cp in modules.copies}
    # children in the new layout: the originals (renumbered) and the copies of components
    sources = {components.remap(k): child for k, child in enumerate(old.components)}
    sources.update({cp.new_index: old.components[cp.original] for cp in components.copies})
    for k, child in enumerate(new.components):
        if k in sources:
            _mark_copies(sources[k], child)


def _child_bytes(c: Component, k: int) -> bytes | memoryview:
    """Nested component ``k``'s section: specialised itself when it needs to be."""
    child = c.components[k]
    if needed(child):
        return section(C_COMPONENT, _level_bytes(child))
    return c.sections[c.component_sections[k]].raw(c.data)


def _level_bytes(c: Component) -> bytes:
    modules, components = _plans(c)
    before: dict[int, list[bytes | memoryview]] = {}
    for cp in modules.copies:
        before.setdefault(cp.section, []).append(c.sections[c.module_sections[cp.original]].raw(c.data))
    for cp in components.copies:
        before.setdefault(cp.section, []).append(_child_bytes(c, cp.original))
    module_for = {cp.instance: cp.new_index for cp in modules.copies}
    component_for = {cp.instance: cp.new_index for cp in components.copies}
    children = {si: k for k, si in enumerate(c.component_sections)}

    parts: list[bytes | memoryview] = [c.data[c.start:c.start + 8]]
    for si, sec in enumerate(c.sections):
        parts.extend(before.get(si, ()))
        if sec.id == C_CORE_INSTANCE and (module_for or modules.shifted):
            parts.append(_core_instances(c, sec, module_for, modules.remap))
        elif sec.id == C_INSTANCE and (component_for or components.shifted or modules.shifted):
            parts.append(_instances(c, sec, component_for, components, modules))
        elif sec.id == C_EXPORT and (components.shifted or modules.shifted):
            parts.append(_renumbered(sec, components, modules))
        elif si in children:
            parts.append(_child_bytes(c, children[si]))
        elif sec.custom_name == "component-name" and (modules.shifted or components.shifted):
            parts.append(_renamed(sec, modules, components))
        else:
            parts.append(sec.raw(c.data))
    return b"".join(parts)


def _core_instances(c: Component, sec: Section, pointed: dict[int, int], remap) -> bytes:
    """The core instance section ``sec`` with its instantiations renumbered and the further
    instances pointed at their copies; every other byte is kept."""
    data = c.data
    entries = sorted((ci.offset, ci.index, ci.module) for ci in c.core_instances
                     if sec.payload_offset <= ci.offset < sec.end)
    payload = bytearray(data[sec.payload_offset:entries[0][0]])          # the entry count
    for k, (start, index, module) in enumerate(entries):
        end = entries[k + 1][0] if k + 1 < len(entries) else sec.end
        if module is None:                                               # an export bundle
            payload += data[start:end]
            continue
        pos = start + 1                                                  # after the 0x00 tag
        while data[pos] & 0x80:
            pos += 1
        payload += b"\x00" + uleb(pointed.get(index, remap(module))) + data[pos + 1:end]
    return section(C_CORE_INSTANCE, payload)


def _instances(c: Component, sec: Section, pointed: dict[int, int], components: Plan,
               modules: Plan) -> bytes:
    """The component instance section ``sec`` renumbered, further instances on their copies."""
    first = min(ci.index for ci in c.instances if sec.payload_offset <= ci.offset < sec.end
                and ci.kind in ("instantiate", "exports"))
    out = ce.renumber_section(sec, components.remap, "component",
                              instantiated=lambda k, comp: pointed.get(first + k, components.remap(comp)))
    if modules.shifted:            # instantiation arguments and bundles may pass core modules
        out = _renumbered(_as_section(out, sec), modules)
    return out


def _renumbered(sec: Section, *plans: Plan) -> bytes:
    """``sec`` (an instance or export section) with the indices of every shifted plan mapped."""
    for p in plans:
        if p.shifted:
            sec = _as_section(ce.renumber_section(sec, p.remap, p.sort), sec)
    return section(sec.id, sec.payload)


def _renamed(sec: Section, modules: Plan, components: Plan) -> bytes:
    """The ``component-name`` section with its core module and component names moved to the
    renumbered indices (the copies stay unnamed); a malformed one is dropped, names are debug
    information only."""
    r = Reader(sec.payload, sec.payload_offset)
    try:
        out = bytearray(encode.name(r.name()))
        while not r.at_end():
            sub_id, size = r.u8(), r.u32()
            start, end = r.pos, r.pos + size
            body = bytes(r.data[start:end])
            if sub_id == 1:
                sort = r.u8()
                core = r.u8() if sort == 0x00 else None
                plan = modules if (sort, core) == (0x00, 0x11) else components if sort == 0x04 else None
                if plan is not None and plan.shifted:
                    entries = [(plan.remap(r.u32()), r.name()) for _ in range(r.count(1))]
                    head = bytes([sort]) + (bytes([core]) if core is not None else b"")
                    body = head + encode.vec([uleb(i) + encode.name(n) for i, n in sorted(entries)])
            r.pos = end
            out += bytes([sub_id]) + uleb(len(body)) + body
    except WizerscopeError:
        return b""
    return section(0, bytes(out))


def _as_section(encoded: bytes, like: Section) -> Section:
    """Bytes of a re-encoded section as a Section (for a second renumbering pass)."""
    view = memoryview(encoded)
    pos = 1
    while view[pos] & 0x80:
        pos += 1
    return Section(like.id, 0, pos + 1, view[pos + 1:], layer=like.layer)
