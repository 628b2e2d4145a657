"""Component-level types, decoded as far as a function's signature needs (the component model's
binary format, its "Types" part).

The inspector shows init-function candidates of a component with their WIT-like signature
(``func(name: string, n: u32) -> list<u8>``) before anything is compiled. Only value and function
types are decoded; component, instance and resource types, and types that come from aliases or
imports, stay unknown (None), and so does anything this decoder does not understand: a signature
is then simply not shown. Nothing here raises on a well-formed binary.
"""
from __future__ import annotations

from .component import C_TYPE, Component
from .component_entries import PRIMITIVES, primitive
from .reader import Reader


class _Unknown(Exception):
    """A type this decoder does not read; the rest of its section stays unknown."""


def _valtype(r: Reader):
    name = primitive(r)
    return ("idx", r.u32()) if name is None else name


def _optional(r: Reader):
    flag = r.u8()
    if flag == 0x00:
        return None
    if flag == 0x01:
        return _valtype(r)
    raise _Unknown


def _deftype(r: Reader):
    b = r.u8()
    if b in PRIMITIVES:
        return PRIMITIVES[b]
    if b == 0x72:
        return ("record", [(r.name(), _valtype(r)) for _ in range(r.count(2))])
    if b == 0x71:
        cases = []
        for _ in range(r.count(2)):
            label, payload = r.name(), _optional(r)
            if r.u8() != 0x00:
                raise _Unknown
            cases.append((label, payload))
        return ("variant", cases)
    if b == 0x70:
        return ("list", _valtype(r))
    if b == 0x67:
        return ("list", _valtype(r), r.u32())
    if b == 0x6F:
        return ("tuple", [_valtype(r) for _ in range(r.count(1))])
    if b in (0x6E, 0x6D):
        return ("flags" if b == 0x6E else "enum", [r.name() for _ in range(r.count(1))])
    if b == 0x6B:
        return ("option", _valtype(r))
    if b == 0x6A:
        return ("result", _optional(r), _optional(r))
    if b in (0x69, 0x68):
        return ("own" if b == 0x69 else "borrow", r.u32())
    if b in (0x66, 0x65):
        return ("stream" if b == 0x66 else "future", _optional(r))
    if b in (0x40, 0x43):
        params = [(r.name(), _valtype(r)) for _ in range(r.count(2))]
        kind = r.u8()
        if kind == 0x00:
            result = _valtype(r)
        elif kind == 0x01 and r.u8() == 0x00:
            result = None
        else:
            raise _Unknown
        return ("func", params, result)
    raise _Unknown          # component (0x41), instance (0x42) and resource types, and the unknown


def type_space(c: Component) -> list:
    """One entry per type index of ``c``: a decoded value or function type, or None."""
    events: list[tuple[int, object]] = []
    for sec in c.sections:
        if sec.id != C_TYPE:
            continue
        r = Reader(sec.payload, sec.payload_offset)
        try:
            n = r.count(1)
        except Exception:
            continue
        here: list[tuple[int, object]] = []
        try:
            while len(here) < n:
                here.append((sec.payload_offset + r.pos, _deftype(r)))
        except Exception:                           # _Unknown, or bytes this decoder misreads
            at = sec.payload_offset + r.pos         # the rest of the section: unknown, in order
            here += [(at + i, None) for i in range(n - len(here))]
        events += here
    events += [(a.offset, None) for a in c.aliases if a.sort == "type"]
    events += [(e.offset, None) for e in c.imports + c.exports if e.sort == "type"]
    events.sort(key=lambda e: e[0])
    return [t for _, t in events]


MAX_SIGNATURE = 400          # characters: a crafted type nests and repeats without end


def render(t: str | tuple | None, space: list, depth: int = 0, budget: list[int] | None = None) -> str:
    """WIT-like text for a decoded type (type indices followed through ``space``), cut short with
    "..." past a nesting depth of 8 or MAX_SIGNATURE characters in all."""
    budget = [MAX_SIGNATURE] if budget is None else budget
    if budget[0] <= 0:
        return "..."
    text = _render(t, space, depth, budget)
    budget[0] -= len(text)
    if depth == 0 and len(text) > MAX_SIGNATURE:
        text = text[:MAX_SIGNATURE] + "..."
    return text


def _render(t, space: list, depth: int, budget: list[int]) -> str:
    if t is None:
        return "?"
    if isinstance(t, str):
        return t
    if depth > 8:
        return "..."
    kind = t[0]

    def sub(x) -> str:
        return render(x, space, depth + 1, budget)
    if kind == "idx":
        target = space[t[1]] if t[1] < len(space) else None
        return sub(target) if target is not None else f"type {t[1]}"
    if kind == "record":
        return "record { " + ", ".join(f"{n}: {sub(v)}" for n, v in t[1]) + " }"
    if kind == "variant":
        return "variant { " + ", ".join(n if v is None else f"{n}({sub(v)})" for n, v in t[1]) + " }"
    if kind == "list":
        return f"list<{sub(t[1])}" + (f", {t[2]}>" if len(t) > 2 else ">")
    if kind == "tuple":
        return "tuple<" + ", ".join(sub(v) for v in t[1]) + ">"
    if kind in ("flags", "enum"):
        return f"{kind} {{ " + ", ".join(t[1]) + " }"
    if kind == "option":
        return f"option<{sub(t[1])}>"
    if kind == "result":
        ok, err = t[1], t[2]
        if ok is None and err is None:
            return "result"
        return f"result<{'_' if ok is None else sub(ok)}" + ("" if err is None else f", {sub(err)}") + ">"
    if kind in ("own", "borrow"):
        return f"{kind}<type {t[1]}>"
    if kind in ("stream", "future"):
        return kind if t[1] is None else f"{kind}<{sub(t[1])}>"
    if kind == "func":
        params = ", ".join(f"{n}: {sub(v)}" for n, v in t[1])
        return f"func({params})" + ("" if t[2] is None else f" -> {sub(t[2])}")
    return "?"


def func_signature(c: Component, func: int, space: list | None = None) -> str | None:
    """The signature of component function ``func`` when it is a ``canon lift`` whose type
    this decoder reads (following exports of functions), else None."""
    space = type_space(c) if space is None else space
    for _ in range(64):
        if not 0 <= func < len(c.funcs):
            return None
        how, entry = c.funcs[func]
        if how == "lift":
            t = space[entry.type_index] if entry.type_index is not None and entry.type_index < len(space) else None
            return render(t, space) if isinstance(t, tuple) and t[0] == "func" else None
        if how == "export" and getattr(entry, "target", None) is not None:
            func = entry.target
            continue
        return None
    return None
