"""Encoders for the component sections wizerscope appends or re-emits, and func renumbering.

The instrumentation appends accessor plumbing (core modules, core instances, aliases, func types,
`canon lift`s, an exports instance and its export); the rewrite re-emits the sections that refer to
component functions when an export is removed (an export defines a func index, so later ones
shift). Entries nobody changes keep their original bytes.
"""
from __future__ import annotations

from typing import Callable

from . import encode
from .component import C_CANON, C_EXPORT, C_INSTANCE
from .component_entries import (CORE_SORT_CODES, CORE_SORTS, PRIMITIVES, SORT_CODES, SORTS, read_canon,
                                read_extern_name, read_externdesc)
from .component_model import Component
from .reader import Reader
from .section import Section

_PRIMITIVE_CODES = {name: code for code, name in PRIMITIVES.items()}
_OPT_CODES = {"utf8": 0x00, "utf16": 0x01, "latin1+utf16": 0x02, "memory": 0x03, "realloc": 0x04,
              "post-return": 0x05}


def sort_code(sort: str) -> bytes:
    """The sort's encoding: one byte, or 0x00 plus the core sort byte."""
    if sort.startswith("core "):
        return bytes((0x00, CORE_SORT_CODES[sort]))
    return bytes((SORT_CODES[sort],))


def extern_name(name: str) -> bytes:
    """An import/export name (tag 0x00: a plain name)."""
    return b"\x00" + encode.name(name)


def func_type(params: list[tuple[str, str]], result: str | None) -> bytes:
    """A component func type over primitive value types."""
    out = b"\x40" + encode.vec([encode.name(n) + bytes((_PRIMITIVE_CODES[t],)) for n, t in params])
    if result is None:
        return out + b"\x01\x00"
    return out + b"\x00" + bytes((_PRIMITIVE_CODES[result],))


def canon_lift(core_func: int, type_index: int, options: list[tuple[str, int | None]]) -> bytes:
    """A `canon lift` entry; ``options`` as (name, index or None), e.g. ("memory", 3)."""
    opts = [bytes((_OPT_CODES[n],)) + (encode.uleb(v) if v is not None else b"") for n, v in options]
    return b"\x00\x00" + encode.uleb(core_func) + encode.vec(opts) + encode.uleb(type_index)


def core_instantiate(module: int, args: list[tuple[str, int]]) -> bytes:
    """A core instance entry instantiating ``module`` with (name, core instance) arguments."""
    return b"\x00" + encode.uleb(module) + encode.vec(
        [encode.name(n) + b"\x12" + encode.uleb(i) for n, i in args])


def core_from_exports(items: list[tuple[str, str, int]]) -> bytes:
    """A core instance entry bundling (name, core sort, index) items."""
    return b"\x01" + encode.vec([encode.name(n) + bytes((CORE_SORT_CODES[s],)) + encode.uleb(i)
                                 for n, s, i in items])


def instance_from_exports(items: list[tuple[str, str, int]]) -> bytes:
    """A component instance entry bundling (name, sort, index) items."""
    return b"\x01" + encode.vec([extern_name(n) + sort_code(s) + encode.uleb(i) for n, s, i in items])


def alias_export(sort: str, instance: int, name: str) -> bytes:
    """An alias of export ``name`` of component instance ``instance``."""
    return sort_code(sort) + b"\x00" + encode.uleb(instance) + encode.name(name)


def alias_core_export(sort: str, instance: int, name: str) -> bytes:
    """An alias of export ``name`` of core instance ``instance``."""
    return sort_code(sort) + b"\x01" + encode.uleb(instance) + encode.name(name)


def export(name: str, sort: str, index: int) -> bytes:
    """An export entry without a type ascription."""
    return extern_name(name) + sort_code(sort) + encode.uleb(index) + b"\x00"


def section(section_id: int, entries: list[bytes]) -> bytes:
    """A component section holding a vector of already-encoded entries."""
    return encode.section(section_id, encode.vec(entries))


# -- renumbering component funcs ----------------------------------------------------------
FuncMap = Callable[[int], int]


def _sortidx(r: Reader, remap: FuncMap, sort: str = "func") -> bytes:
    start = r.pos
    b = r.u8()
    name = SORTS.get(b)
    if b == 0x00:
        name = CORE_SORTS.get(r.u8())
    code = bytes(r.data[start:r.pos])
    idx = r.u32()
    if name == sort:
        idx = remap(idx)
    return code + encode.uleb(idx)


def renumber_section(sec: Section, remap: FuncMap, sort: str = "func",
                     instantiated: Callable[[int, int], int] | None = None) -> bytes:
    """Re-encode an instance, canon or export section with the indices of ``sort`` (component
    funcs, or core modules and components for specialisation) mapped; ``instantiated(k, c)``
    gives the component that the section's k-th entry, an instantiation of component ``c``,
    instantiates instead."""
    if sec.id == C_CANON and sort != "func":
        return encode.section(sec.id, sec.payload)         # canon entries name no modules or components
    r = Reader(sec.payload, sec.payload_offset)
    entries: list[bytes] = []
    n = r.count(1)
    for k in range(n):
        if sec.id == C_INSTANCE:
            entries.append(_instance_entry(r, k, remap, sort, instantiated))
        elif sec.id == C_CANON:
            entries.append(_canon_entry(r, remap))
        elif sec.id == C_EXPORT:
            entries.append(_export_entry(r, remap, sort)[1])
        else:
            raise ValueError(f"section {sec.kind} holds no component func references")
    return encode.section(sec.id, encode.vec(entries))


def _instance_entry(r: Reader, k: int, remap: FuncMap, sort: str,
                    instantiated: Callable[[int, int], int] | None) -> bytes:
    """One instance entry re-encoded: an instantiation (its target possibly replaced) with its
    arguments mapped, or a bundle of exports with its items mapped."""
    if r.u8() == 0x00:
        target = r.u32()
        head = b"\x00" + encode.uleb(instantiated(k, target) if instantiated else target)
        args = []
        for _ in range(r.count(1)):
            nm = r.name()
            args.append(encode.name(nm) + _sortidx(r, remap, sort))
        return head + encode.vec(args)
    items = []
    for _ in range(r.count(1)):
        items.append(_raw_extern_name(r) + _sortidx(r, remap, sort))
    return b"\x01" + encode.vec(items)


def _canon_entry(r: Reader, remap: FuncMap) -> bytes:
    """One canon entry with the func a ``lower`` lowers mapped; every other entry as it stands."""
    start = r.pos
    op = r.peek()
    _skip_canon(r)
    raw = bytes(r.data[start:r.pos])
    if op == 0x01:          # lower: 0x01 0x00 funcidx opts
        rr = Reader(raw)
        rr.u8(), rr.u8()
        f = rr.u32()
        raw = b"\x01\x00" + encode.uleb(remap(f)) + bytes(raw[rr.pos:])
    return raw


def _skip_canon(r: Reader) -> None:
    read_canon(r, Component(r.data, 0, 0))


def _raw_extern_name(r: Reader) -> bytes:
    """The bytes of the extern name at ``r`` (read past it)."""
    start = r.pos
    read_extern_name(r)
    return bytes(r.data[start:r.pos])


def _export_entry(r: Reader, remap: FuncMap, sort: str = "func") -> tuple[str, bytes]:
    """One export entry re-encoded with its index mapped: its name, and its bytes."""
    start = r.pos
    name = read_extern_name(r)
    nm = bytes(r.data[start:r.pos])
    si = _sortidx(r, remap, sort)
    d0 = r.pos
    if r.u8() == 0x01:
        read_externdesc(r)
    return name, nm + si + bytes(r.data[d0:r.pos])


def drop_exports(sec: Section, names: set[str], remap: FuncMap) -> tuple[bytes, list[str]]:
    """The export section without the exports named in ``names`` (the rest renumbered)."""
    r = Reader(sec.payload, sec.payload_offset)
    kept: list[bytes] = []
    dropped: list[str] = []
    for _ in range(r.count(1)):
        name, entry = _export_entry(r, remap)
        if name in names:
            dropped.append(name)
        else:
            kept.append(entry)
    return encode.section(C_EXPORT, encode.vec(kept)), dropped
