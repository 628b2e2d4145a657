"""Parse a Wasm component into the tree of :mod:`wizerscope.binary.component_model`.

Each component section payload has its own small decoder (``_DECODERS``, by section id); the
:class:`Component` being built keeps the index spaces as the entries are read, since an entry's
index is its position in its sort's space. Nested components are parsed the same way, each with
its own spaces; core modules are parsed by :func:`~wizerscope.binary.module.parse_module`.
Nothing here imports wasmtime.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

from ..errors import BinaryFormatError
from .component_entries import CORE_SORTS, define, read_canon, read_extern_name, read_externdesc, read_sort
from .component_model import Alias, Component, ComponentInstance, CoreInstance, Extern
from .header import check_header
from .module import parse_module
from .reader import Reader
from .section import Section, frames

__all__ = ["parse_component", "Component", "C_CUSTOM", "C_CORE_MODULE", "C_CORE_INSTANCE", "C_CORE_TYPE",
           "C_COMPONENT", "C_INSTANCE", "C_ALIAS", "C_TYPE", "C_CANON", "C_START", "C_IMPORT", "C_EXPORT",
           "C_VALUE"]

# Component section ids.
(C_CUSTOM, C_CORE_MODULE, C_CORE_INSTANCE, C_CORE_TYPE, C_COMPONENT, C_INSTANCE, C_ALIAS, C_TYPE,
 C_CANON, C_START, C_IMPORT, C_EXPORT, C_VALUE) = range(13)

# wasmtime accepts at most 1000 modules and components in one component, so no valid component
# nests deeper than this; a bomb of more levels is refused before its inner levels are read.
MAX_DEPTH = 1000
# Every pass over a component (this parser, walks, specialisation, the tree, the rewrite) recurses
# once per level, a few Python frames each: Python's default limit of 1000 frames would end such a
# valid component at a few hundred levels. Python 3.11 calls between Python functions do not grow
# the C stack, so the limit is raised (never lowered) once, for CLI, inspector and library users alike.
RECURSION_ROOM = 20 * MAX_DEPTH
if sys.getrecursionlimit() < RECURSION_ROOM:
    sys.setrecursionlimit(RECURSION_ROOM)


@contextlib.contextmanager
def recursion_room() -> Iterator[None]:
    """The same room for a block whose caller set a lower limit of its own (hypothesis does, for
    each test), restored after."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, RECURSION_ROOM))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# -- one decoder per section payload --------------------------------------------------------
def _custom_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    r.pos = r.end           # nothing in a custom section defines an index


def _counted(sort: str) -> Callable[[Component, Reader, Section, int], None]:
    """A decoder for a section of ``sort`` definitions that are counted, not decoded: types hold
    no state, so only their number matters (for the indices after them)."""
    def decode(c: Component, r: Reader, sec: Section, depth: int) -> None:
        """Count the section's entries into the space; read nothing else."""
        c.spaces.add(sort, r.count(1))
        r.pos = r.end
    return decode


def _value_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    c.values.append(sec.offset)     # kept so that the checks can name where values are defined
    c.spaces.add("value", r.count(1))
    r.pos = r.end


def _core_module_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    c.modules.append(parse_module(c.data, sec.payload_offset, sec.end))
    c.module_sections.append(len(c.sections) - 1)
    c.spaces.add("core module")
    r.pos = r.end


def _component_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    child_path = c.item_path(f"component {len(c.components)}")
    c.components.append(_parse(c.data, sec.payload_offset, sec.end, child_path, depth + 1))
    c.component_sections.append(len(c.sections) - 1)
    c.spaces.add("component")
    r.pos = r.end


def _instance_entries(c: Component, r: Reader, space: str, arg: Callable[[Reader], tuple],
                      item: Callable[[Reader], tuple]) -> Iterator[tuple[int, str, int | None, tuple, int]]:
    """The entries of a core instance or instance section, as (index, kind, target, arguments or
    items, offset). Both sections spell an entry alike: tag 0 instantiates a target with named
    arguments, tag 1 bundles named items; only an argument's and an item's encoding differ."""
    for _ in range(r.count(1)):
        at = r.offset
        tag = r.u8()
        idx = c.spaces.add(space)
        if tag == 0x00:
            target = r.u32()
            yield idx, "instantiate", target, tuple(arg(r) for _ in range(r.count(1))), at
        elif tag == 0x01:
            yield idx, "exports", None, tuple(item(r) for _ in range(r.count(1))), at
        else:
            raise r.error(f"invalid {space} tag {tag:#04x}", r.pos - 1)


def _core_instantiate_arg(r: Reader) -> tuple[str, int]:
    name = r.name()
    if r.u8() != 0x12:
        raise r.error("core instantiation argument must be a core instance", r.pos - 1)
    return name, r.u32()


def _core_export_item(r: Reader) -> tuple[str, str, int]:
    name = r.name()
    code = r.u8()
    if code not in CORE_SORTS:
        raise r.error(f"invalid core sort {code:#04x}", r.pos - 1)
    return name, CORE_SORTS[code], r.u32()


def _core_instance_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for idx, kind, module, entries, at in _instance_entries(c, r, "core instance", _core_instantiate_arg,
                                                            _core_export_item):
        if kind == "instantiate":
            c.core_instances.append(CoreInstance(idx, kind, module, entries, offset=at))
        else:
            c.core_instances.append(CoreInstance(idx, kind, items=entries, offset=at))


def _instantiate_arg(r: Reader) -> tuple[str, str, int]:
    name = r.name()
    sort = read_sort(r)
    return name, sort, r.u32()


def _export_item(r: Reader) -> tuple[str, str, int]:
    name = read_extern_name(r)
    sort = read_sort(r)
    return name, sort, r.u32()


def _instance_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for idx, kind, component, entries, at in _instance_entries(c, r, "instance", _instantiate_arg, _export_item):
        c.instances.append(ComponentInstance(idx, kind, component, entries, at))


def _alias_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for _ in range(r.count(1)):
        at = r.offset
        sort = read_sort(r)
        t_at = r.pos
        target = r.u8()
        if target == 0x00:
            inst, name, kind = r.u32(), r.name(), "export"
        elif target == 0x01:
            inst, name, kind = r.u32(), r.name(), "core export"
        elif target == 0x02:
            inst, name, kind = r.u32(), str(r.u32()), "outer"
        else:
            raise r.error(f"invalid alias target {target:#04x}", t_at)
        alias = Alias(sort, kind, inst, name, c.spaces[sort], at)
        c.aliases.append(alias)
        define(c, sort, "alias", alias, at)


def _canon_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for _ in range(r.count(1)):
        c.canons.append(read_canon(r, c))


def _start_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    c.starts.append(sec.offset)
    r.u32()                             # the function
    for _ in range(r.count(1)):         # its arguments (values)
        r.u32()
    c.spaces.add("value", r.u32())      # the values it returns


def _import_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for _ in range(r.count(1)):
        start, at = r.pos, r.offset
        name = read_extern_name(r)
        sort = read_externdesc(r)
        ext = Extern(name, sort, c.spaces[sort], None, at, start, r.pos)
        c.imports.append(ext)
        define(c, sort, "import", ext, at)


def _export_section(c: Component, r: Reader, sec: Section, depth: int) -> None:
    for _ in range(r.count(1)):
        start, at = r.pos, r.offset
        name = read_extern_name(r)
        sort = read_sort(r)
        target = r.u32()
        d0 = r.pos
        has_desc = r.u8()
        if has_desc == 0x01:
            read_externdesc(r)
        elif has_desc != 0x00:
            raise r.error(f"invalid export type ascription flag {has_desc:#04x}", d0)
        ext = Extern(name, sort, c.spaces[sort], target, at, start, r.pos)
        c.exports.append(ext)
        define(c, sort, "export", ext, at)


_DECODERS: dict[int, Callable[[Component, Reader, Section, int], None]] = {
    C_CUSTOM: _custom_section, C_CORE_MODULE: _core_module_section, C_CORE_INSTANCE: _core_instance_section,
    C_CORE_TYPE: _counted("core type"), C_COMPONENT: _component_section, C_INSTANCE: _instance_section,
    C_ALIAS: _alias_section, C_TYPE: _counted("type"), C_CANON: _canon_section, C_START: _start_section,
    C_IMPORT: _import_section, C_EXPORT: _export_section, C_VALUE: _value_section,
}


def _parse(data: memoryview, start: int, end: int, path: str, depth: int) -> Component:
    if depth > MAX_DEPTH:
        raise BinaryFormatError(f"components nested more than {MAX_DEPTH} levels deep (wasmtime accepts at most "
                                f"{MAX_DEPTH} modules and components in one component)", offset=start)
    check_header(data, start, end, expect="component")
    c = Component(data, start, end, path)
    for sec, r in frames(Reader(data, 0, start + 8, end), "component"):
        c.sections.append(sec)
        decode = _DECODERS.get(sec.id)
        if decode is None:
            raise BinaryFormatError(f"unknown component section id {sec.id}", offset=sec.offset)
        decode(c, r, sec, depth)
        if not r.at_end():
            raise BinaryFormatError(f"section size mismatch: {r.remaining()} unread bytes in the "
                                    f"{sec.kind} section", offset=r.offset)
    return c


def parse_component(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None) -> Component:
    """Decode the component in ``data[start:end]`` (offsets stay file offsets)."""
    view = data if isinstance(data, memoryview) else memoryview(data)
    try:
        return _parse(view, start, len(view) if end is None else end, "", 0)
    except RecursionError:          # only where a caller lowered Python's limit below RECURSION_ROOM
        raise BinaryFormatError(f"components nested too deep for this Python's recursion limit "
                                f"({sys.getrecursionlimit()} frames)", offset=start) from None
