"""Decoders for the encodings that component sections share, and that the type decoder and the
re-encoder read again: sorts, extern names and descriptions, value types, canonical functions.

Kept apart from the section decoders (:mod:`wizerscope.binary.component`) so that each encoding
has one reader, whoever reads it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .component_model import Canon, ComponentInstance
from .reader import Reader

if TYPE_CHECKING:
    from .component_model import Component

CORE_SORTS = {0x00: "core func", 0x01: "core table", 0x02: "core memory", 0x03: "core global",
              0x04: "core tag", 0x10: "core type", 0x11: "core module", 0x12: "core instance"}
CORE_SORT_CODES = {v: k for k, v in CORE_SORTS.items()}
SORTS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}
SORT_CODES = {v: k for k, v in SORTS.items()}

# Primitive value types: one byte each. Any other value type is a type index (an s33).
PRIMITIVES = {0x7F: "bool", 0x7E: "s8", 0x7D: "u8", 0x7C: "s16", 0x7B: "u16", 0x7A: "s32", 0x79: "u32",
              0x78: "s64", 0x77: "u64", 0x76: "f32", 0x75: "f64", 0x74: "char", 0x73: "string",
              0x64: "error-context"}

# Canonical built-ins: opcode -> (name, immediates). Immediates: "u32" an index, "opts" canonical
# options, "bool" one byte, "valtype?" an optional result type. Every one but `lift` defines a
# core function.
_CANON = {
    0x00: ("lift", None), 0x01: ("lower", None),
    0x02: ("resource.new", ("u32",)), 0x03: ("resource.drop", ("u32",)),
    0x07: ("resource.drop async", ("u32",)), 0x04: ("resource.rep", ("u32",)),
    0x08: ("backpressure.set", ()), 0x24: ("backpressure.inc", ()), 0x25: ("backpressure.dec", ()),
    0x09: ("task.return", ("results", "opts")), 0x05: ("task.cancel", ()),
    0x0A: ("context.get", ("u8", "u32")), 0x0B: ("context.set", ("u8", "u32")),
    0x0C: ("yield", ("bool",)), 0x06: ("subtask.cancel", ("bool",)), 0x0D: ("subtask.drop", ()),
    0x0E: ("stream.new", ("u32",)), 0x0F: ("stream.read", ("u32", "opts")),
    0x10: ("stream.write", ("u32", "opts")), 0x11: ("stream.cancel-read", ("u32", "bool")),
    0x12: ("stream.cancel-write", ("u32", "bool")), 0x13: ("stream.drop-readable", ("u32",)),
    0x14: ("stream.drop-writable", ("u32",)), 0x15: ("future.new", ("u32",)),
    0x16: ("future.read", ("u32", "opts")), 0x17: ("future.write", ("u32", "opts")),
    0x18: ("future.cancel-read", ("u32", "bool")), 0x19: ("future.cancel-write", ("u32", "bool")),
    0x1A: ("future.drop-readable", ("u32",)), 0x1B: ("future.drop-writable", ("u32",)),
    0x1C: ("error-context.new", ("opts",)), 0x1D: ("error-context.debug-message", ("opts",)),
    0x1E: ("error-context.drop", ()), 0x1F: ("waitable-set.new", ()),
    0x20: ("waitable-set.wait", ("bool", "u32")), 0x21: ("waitable-set.poll", ("bool", "u32")),
    0x22: ("waitable-set.drop", ()), 0x23: ("waitable.join", ()),
    0x40: ("thread.spawn_ref", ("u32",)), 0x41: ("thread.spawn_indirect", ("u32", "u32")),
    0x42: ("thread.available_parallelism", ()),
}
_CANON_OPTS = {0x00: ("utf8", False), 0x01: ("utf16", False), 0x02: ("latin1+utf16", False),
               0x03: ("memory", True), 0x04: ("realloc", True), 0x05: ("post-return", True),
               0x06: ("async", False), 0x07: ("callback", True)}


def read_extern_name(r: Reader) -> str:
    """An import/export name: a tag byte then the name (0x01 may add a version suffix)."""
    at = r.pos
    tag = r.u8()
    if tag in (0x00, 0x01):
        return r.name()
    raise r.error(f"invalid component extern name tag {tag:#04x}", at)


def read_sort(r: Reader) -> str:
    """A sort: one byte, or 0x00 and a core sort byte."""
    at = r.pos
    b = r.u8()
    if b == 0x00:
        c = r.u8()
        if c not in CORE_SORTS:
            raise r.error(f"invalid core sort {c:#04x}", at + 1)
        return CORE_SORTS[c]
    if b not in SORTS:
        raise r.error(f"invalid sort {b:#04x}", at)
    return SORTS[b]


def primitive(r: Reader) -> str | None:
    """The primitive value type at ``r`` (read), or None (nothing read) when a type index is next."""
    name = PRIMITIVES.get(r.peek())
    if name is not None:
        r.pos += 1
    return name


def skip_valtype(r: Reader) -> None:
    """Past a value type: a primitive byte or a type index."""
    if primitive(r) is None:
        r.s33()


def read_externdesc(r: Reader) -> str:
    """Skip an externdesc; return the sort it describes."""
    at = r.pos
    b = r.u8()
    if b == 0x00:
        c = r.u8()
        if c != 0x11:
            raise r.error(f"invalid core extern kind {c:#04x}", at + 1)
        r.u32()
        return "core module"
    if b == 0x02:
        if r.u8() == 0x00:
            r.u32()
        else:
            skip_valtype(r)
        return "value"
    if b == 0x03:
        k = r.u8()
        if k == 0x00:
            r.u32()
        elif k != 0x01:
            raise r.error(f"invalid type bound {k:#04x}", r.pos - 1)
        return "type"
    if b in (0x01, 0x04, 0x05):     # func, component and instance: a type index
        r.u32()
        return SORTS[b]
    raise r.error(f"invalid extern description {b:#04x}", at)


def _read_opts(r: Reader) -> tuple[tuple[str, int | None], ...]:
    out = []
    for _ in range(r.count(1)):
        at = r.pos
        code = r.u8()
        if code not in _CANON_OPTS:
            raise r.error(f"invalid canonical option {code:#04x}", at)
        name, has_index = _CANON_OPTS[code]
        out.append((name, r.u32() if has_index else None))
    return tuple(out)


def _skip_canon_immediates(r: Reader, imms: tuple[str, ...]) -> tuple[tuple[str, int | None], ...]:
    """Past the immediates of a built-in other than lift and lower; its options, if it has any."""
    opts: tuple = ()
    for imm in imms:
        if imm == "u32":
            r.u32()
        elif imm in ("u8", "bool"):
            r.u8()
        elif imm == "opts":
            opts = _read_opts(r)
        elif imm == "results":
            tag = r.u8()
            if tag == 0x00:
                skip_valtype(r)
            elif tag == 0x01:
                if r.u8() != 0:
                    raise r.error("named results are not allowed for task.return", r.pos - 1)
            else:
                raise r.error(f"invalid task.return result {tag:#04x}", r.pos - 1)
    return opts


def read_canon(r: Reader, c: Component) -> Canon:
    """One canonical-function entry; defines its index in ``c`` (lift: func, else core func)."""
    start = r.pos
    at = r.offset
    op = r.u8()
    if op not in _CANON:
        raise r.error(f"unsupported canonical function opcode {op:#04x}", start)
    kind, imms = _CANON[op]
    if op in (0x00, 0x01):
        if r.u8() != 0x00:
            raise r.error(f"invalid canon {kind} encoding", r.pos - 1)
        target = r.u32()
        opts = _read_opts(r)
        if op == 0x00:
            ty = r.u32()
            canon = Canon("lift", c.spaces.add("func"), core_func=target, type_index=ty, options=opts,
                          offset=at, start=start, end=r.pos)
            c.funcs.append(("lift", canon))
            return canon
        return Canon("lower", c.spaces.add("core func"), func=target, options=opts, offset=at,
                     start=start, end=r.pos)
    opts = _skip_canon_immediates(r, imms)
    return Canon(kind, c.spaces.add("core func"), options=opts, offset=at, start=start, end=r.pos)


def define(c: Component, sort: str, how: str, entry: object, at: int) -> int:
    """Give ``entry`` (an alias, import or export) the next index of ``sort`` in ``c``; keep how
    funcs and instances were defined, which signatures and the instance list need. Returns the index."""
    idx = c.spaces.add(sort)
    if sort == "func":
        c.funcs.append((how, entry))
    elif sort == "instance":
        c.instances.append(ComponentInstance(idx, how, offset=at))
    return idx
