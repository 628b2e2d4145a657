"""One copy of a core module per instance, so every instance gets its own snapshot.

The reference rejects a component whose core module is instantiated more than once ("modules may
be instantiated at most once"): both instances would share one definition, but after init they
hold different state. wizerscope specialises instead, before anything else runs: the module's
section is copied, unchanged, once per further instantiation, and each further ``instantiate``
is pointed at its copy. The rest of the pipeline then sees a component in which every module is
instantiated once, and snapshots and rewrites each copy like any other module.

The copies are placed right before the core instance section that instantiates them; the core
modules defined after that point move up by the number of copies before them, and every reference
to them (instantiations, component instance arguments and bundles, exports) is renumbered. A
nested component that reaches this level's modules through an ``alias outer`` would need its
alias renumbered too; that one case is left to :func:`blocker`, which the check turns into a
rejection naming both instances.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...binary import component_encode as ce
from ...binary.component import (C_COMPONENT, C_CORE_INSTANCE, C_EXPORT, C_INSTANCE, Component,
                                 ComponentSection, parse_component)
from ...binary.encode import section, uleb


@dataclass(frozen=True)
class Copy:
    """A further instantiation of ``module`` (by core instance ``instance``) and the index of the
    module copy it will instantiate."""

    module: int
    instance: int
    new_index: int
    section: int            # index of the core instance section holding the instantiation


def _module_definitions(c: Component) -> list[int]:
    """File offsets at which a core module index is defined, in index order."""
    out = [c.sections[si].offset for si in c.module_sections]
    out += [a.offset for a in c.aliases if a.sort == "core module"]
    out += [e.offset for e in c.imports + c.exports if e.sort == "core module"]
    return sorted(out)


def _section_of(c: Component, offset: int) -> int:
    return next(si for si, s in enumerate(c.sections) if s.offset <= offset < s.end)


def _outer_module_alias(c: Component) -> bool:
    """Does any component nested in ``c`` alias a core module of an enclosing component?"""
    return any(a.target == "outer" and a.sort == "core module" for child in c.components
               for level in child.walk() for a in level.aliases)


def plan(c: Component) -> tuple[list[Copy], dict[int, int]]:
    """The copies one level of ``c`` needs, and the new index of every original core module."""
    extra = sorted((_section_of(c, ci.offset), ci.index, mi)
                   for mi in range(len(c.modules)) for ci in c.instantiations(mi)[1:])
    if not extra:
        return [], {}
    defs = _module_definitions(c)
    copies, renumber = [], {}
    d = k = 0                      # original definitions and copies placed so far
    for si, inst, mi in extra:
        at = c.sections[si].offset
        while d < len(defs) and defs[d] < at:
            renumber[d] = d + k
            d += 1
        copies.append(Copy(mi, inst, d + k, si))
        k += 1
    for rest in range(d, len(defs)):
        renumber[rest] = rest + k
    return copies, renumber


def blocker(c: Component, module: int) -> str | None:
    """Why the further instantiations of ``module`` cannot get their own copies, or None."""
    if len(c.instantiations(module)) < 2:
        return None
    _, renumber = plan(c)
    if any(old != new for old, new in renumber.items()) and _outer_module_alias(c):
        return ("a nested component aliases this component's core modules, and a copy per "
                "instance would renumber them")
    return None


def needed(c: Component) -> bool:
    return any(plan(level)[0] for level in c.walk())


def specialise(c: Component) -> Component:
    """``c`` itself when no module is instantiated twice; else the specialised component, parsed
    (its ``copy_of`` maps each copy's module index to the module it copies, per level). Call it
    only after the check (:func:`blocker` is None everywhere)."""
    if not needed(c):
        return c
    specialised = parse_component(_level_bytes(c))
    for old, new in zip(c.walk(), specialised.walk()):
        copies, renumber = plan(old)
        new.copy_of = {cp.new_index: renumber.get(cp.module, cp.module) for cp in copies}
    return specialised


def _level_bytes(c: Component) -> bytes:
    copies, renumber = plan(c)
    by_section: dict[int, list[Copy]] = {}
    for cp in copies:
        by_section.setdefault(cp.section, []).append(cp)
    pointed = {cp.instance: cp.new_index for cp in copies}
    shifted = any(old != new for old, new in renumber.items())

    def remap(i: int) -> int:
        return renumber.get(i, i)

    parts: list[bytes | memoryview] = [c.data[c.start:c.start + 8]]
    children = dict(zip(c.component_sections, c.components))
    for si, sec in enumerate(c.sections):
        for cp in by_section.get(si, ()):
            parts.append(c.sections[c.module_sections[cp.module]].raw(c.data))
        if sec.id == C_CORE_INSTANCE and (si in by_section or shifted):
            parts.append(_repointed(c, sec, pointed, remap))
        elif sec.id in (C_INSTANCE, C_EXPORT) and shifted:
            parts.append(ce.renumber_section(sec, remap, "core module"))
        elif si in children and needed(children[si]):
            parts.append(section(C_COMPONENT, _level_bytes(children[si])))
        else:
            parts.append(sec.raw(c.data))
    return b"".join(parts)


def _repointed(c: Component, sec: ComponentSection, pointed: dict[int, int], remap) -> bytes:
    """The core instance section ``sec`` with its instantiations renumbered (``remap``) and the
    further instances pointed at their copies; every other byte is kept."""
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
