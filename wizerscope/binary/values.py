"""Values as WAT writes them: what every view and report shows for a global's bits."""
from __future__ import annotations

import struct


def format_value(type_name: str, bits: int | None) -> str:
    """A global's value the way WAT would write it (floats show their bits when NaN)."""
    if bits is None:
        return "?"
    width = {"i32": 32, "f32": 32, "i64": 64, "f64": 64, "v128": 128}.get(type_name)
    if width is not None and not 0 <= bits < 1 << width:
        # an unvalidated binary (the inspector shows it before validation): e.g. an f32 global
        # initialised by an f64.const
        return f"{bits:#x} (does not fit {type_name})"
    if type_name == "i32":
        return str(bits - (1 << 32) if bits & 0x80000000 else bits)
    if type_name == "i64":
        return str(bits - (1 << 64) if bits & (1 << 63) else bits)
    if type_name == "f32":
        f = struct.unpack("<f", bits.to_bytes(4, "little"))[0]
        if f != f:
            return f"nan:{bits & 0x7FFFFF:#x}" if bits & 0x7FFFFF != 0x400000 else "nan"
        return repr(f)
    if type_name == "f64":
        f = struct.unpack("<d", bits.to_bytes(8, "little"))[0]
        if f != f:
            return f"nan:{bits & 0xFFFFFFFFFFFFF:#x}" if bits & 0xFFFFFFFFFFFFF != 1 << 51 else "nan"
        return repr(f)
    if type_name == "v128":
        return "0x" + bits.to_bytes(16, "little")[::-1].hex()
    return hex(bits)
