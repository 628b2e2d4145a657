"""WAVE values against component types: the init call's arguments converted to what wasmtime-py
lowers, and the init's results written back as WAVE text (what `wasmtime run --invoke` prints)."""
from __future__ import annotations

import math
import struct

from ...errors import InitError
from ..runtime import internals
from .wave_values import Braced, Call, Char, Label, Tuple_


# -- typed conversion ----------------------------------------------------------------------
class _Bad(Exception):
    """The value does not fit the type (turned into the one "parsing ... params" error)."""


def to_python(value: object, ty: object, where: str) -> object:
    """An untyped WAVE value as the Python value wasmtime-py lowers for component type ``ty``."""
    from wasmtime import component as wc
    for types, convert in _converters(wc):
        if isinstance(ty, types):
            try:
                return convert(value, ty, where)
            except _Bad:
                raise InitError(f"parsing `{where}` params as types: {value!r} is not a valid "
                                f"{type(ty).__name__} value") from None
    raise InitError(f"parsing `{where}` params as types: parameters of type {type(ty).__name__} cannot be "
                    "given on the command line")


def _check(ok: bool) -> None:
    if not ok:
        raise _Bad


def _bool(value, ty, where):
    _check(isinstance(value, Label) and value.name in ("true", "false"))
    return value.name == "true"


_BITS = {"S8": (8, True), "S16": (16, True), "S32": (32, True), "S64": (64, True),
         "U8": (8, False), "U16": (16, False), "U32": (32, False), "U64": (64, False)}


def _integer(value, ty, where):
    _check(isinstance(value, int) and not isinstance(value, bool))
    bits, signed = _BITS[type(ty).__name__]
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= value <= high:
        # wasmtime-py would wrap it silently (4294967296 as a u32 is 0) and the wrong value be snapshotted
        raise InitError(f"parsing `{where}` params as types: {value} is out of range for "
                        f"{type(ty).__name__.lower()} ({low} to {high})")
    return value


def _float(value, ty, where):
    _check(isinstance(value, (int, float)) and not isinstance(value, bool))
    return float(value)


def _char(value, ty, where):
    _check(isinstance(value, Char))
    return value.value


def _string(value, ty, where):
    _check(isinstance(value, str))
    return value


def _list(value, ty, where):
    from wasmtime import component as wc
    _check(isinstance(value, list))
    items = [to_python(v, ty.element, where) for v in value]
    return bytes(items) if isinstance(ty.element, wc.U8) else items


def _option(value, ty, where):
    if isinstance(value, Label) and value.name == "none":
        return None
    _check(isinstance(value, Call) and value.name == "some")
    return to_python(value.payload, ty.payload, where)


def _cases(value, ty, where, cases: dict):
    """A result or variant case: ``name`` or ``name(payload)``."""
    from wasmtime import component as wc
    _check(isinstance(value, (Label, Call)) and value.name in cases)
    cty = cases[value.name]
    payload = to_python(value.payload, cty, where) if isinstance(value, Call) and cty is not None else None
    return wc.Variant(value.name, payload) if internals.variant_is_tagged(ty) else payload


def _result(value, ty, where):
    return _cases(value, ty, where, {"ok": ty.ok, "err": ty.err})


def _variant(value, ty, where):
    return _cases(value, ty, where, dict(ty.cases))


def _record(value, ty, where):
    from wasmtime import component as wc
    _check(isinstance(value, Braced) and not value.labels)
    given = dict(value.fields)
    rec = wc.Record()
    for name, fty in ty.fields:
        if name in given:
            setattr(rec, name, to_python(given.pop(name), fty, where))
        elif isinstance(fty, wc.OptionType):
            setattr(rec, name, None)
        else:
            raise InitError(f"parsing `{where}` params as types: record field `{name}` is missing")
    if given:
        raise InitError(f"parsing `{where}` params as types: unknown record field(s) {sorted(given)}")
    return rec


def _tuple(value, ty, where):
    _check(isinstance(value, Tuple_) and len(value.items) == len(ty.elements))
    return tuple(to_python(v, t, where) for v, t in zip(value.items, ty.elements))


def _enum(value, ty, where):
    _check(isinstance(value, Label) and value.name in ty.names)
    return value.name


def _flags(value, ty, where):
    _check(isinstance(value, Braced) and not value.fields and set(value.labels) <= set(ty.names))
    return set(value.labels)


def _converters(wc) -> list:
    return [(wc.Bool, _bool), ((wc.S8, wc.S16, wc.S32, wc.S64, wc.U8, wc.U16, wc.U32, wc.U64), _integer),
            ((wc.F32, wc.F64), _float), (wc.Char, _char), (wc.String, _string), (wc.ListType, _list),
            (wc.OptionType, _option), (wc.ResultType, _result), (wc.RecordType, _record),
            (wc.TupleType, _tuple), (wc.EnumType, _enum), (wc.FlagsType, _flags), (wc.VariantType, _variant)]


# -- formatting results -------------------------------------------------------------------
def _escape(s: str, quote: str) -> str:
    out = []
    for ch in s:
        if ch in ("\\", quote):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return "".join(out)


def format_value(value, ty=None) -> str:
    """A result value in WAVE text (types guide floats, chars and variants)."""
    from wasmtime import component as wc
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(ty, wc.Char) and isinstance(value, str):
        return "'" + _escape(value, "'") + "'"
    if isinstance(value, str):
        if isinstance(ty, (wc.EnumType,)):
            return value
        return '"' + _escape(value, '"') + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if isinstance(ty, wc.F32):
            value = struct.unpack("<f", struct.pack("<f", value))[0]
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "none" if isinstance(ty, wc.OptionType) else "()"
    if isinstance(ty, wc.OptionType):
        return f"some({format_value(value, ty.payload)})"
    if isinstance(value, (bytes, bytearray)):
        return "[" + ", ".join(str(b) for b in value) + "]"
    if isinstance(value, list):
        el = ty.element if isinstance(ty, wc.ListType) else None
        return "[" + ", ".join(format_value(v, el) for v in value) + "]"
    if isinstance(value, tuple):
        els = ty.elements if isinstance(ty, wc.TupleType) else [None] * len(value)
        return "(" + ", ".join(format_value(v, t) for v, t in zip(value, els)) + ")"
    if isinstance(value, set):
        return "{" + ", ".join(sorted(value)) + "}"
    if isinstance(value, wc.Variant):
        cty = None
        if isinstance(ty, wc.ResultType):
            cty = ty.ok if value.tag == "ok" else ty.err
        elif isinstance(ty, wc.VariantType):
            cty = dict(ty.cases).get(value.tag)
        if value.payload is None and cty is None:
            return value.tag
        return f"{value.tag}({format_value(value.payload, cty)})"
    if isinstance(value, wc.Record):
        ftypes = dict(ty.fields) if isinstance(ty, wc.RecordType) else {}
        return "{" + ", ".join(f"{k}: {format_value(v, ftypes.get(k))}" for k, v in vars(value).items()) + "}"
    return repr(value)
