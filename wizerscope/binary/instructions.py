"""A table-driven instruction walker: skips immediates without building an AST.

Used for two jobs: finding the end of constant expressions, and scanning function bodies for the
instructions the pre-initializer must reject (table and segment mutation, GC mutation). The scan
first looks for the prefix bytes those instructions need; a body without any is skipped without
being decoded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import Reader

# Immediate shapes of single-byte opcodes.
_NONE, _IDX, _IDX2, _BLOCK, _BRTABLE, _MEMARG, _I32, _I64, _F32, _F64, _SELECTT, _TRYTABLE, \
    _HEAPTYPE = range(13)

_SHAPE: list[int | None] = [None] * 256
for op in (0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD5):
    _SHAPE[op] = _NONE
for op in (0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24,
           0x25, 0x26, 0xD2, 0xD4, 0xD6):
    _SHAPE[op] = _IDX
for op in (0x11, 0x13):
    _SHAPE[op] = _IDX2
for op in (0x02, 0x03, 0x04, 0x06):
    _SHAPE[op] = _BLOCK
_SHAPE[0x0E] = _BRTABLE
for op in range(0x28, 0x3F):
    _SHAPE[op] = _MEMARG
_SHAPE[0x3F] = _SHAPE[0x40] = _IDX
_SHAPE[0x41] = _I32
_SHAPE[0x42] = _I64
_SHAPE[0x43] = _F32
_SHAPE[0x44] = _F64
for op in range(0x45, 0xC5):
    _SHAPE[op] = _NONE
_SHAPE[0x1C] = _SELECTT
_SHAPE[0x1F] = _TRYTABLE
_SHAPE[0xD0] = _HEAPTYPE

# 0xFB (GC) sub-opcodes: number of u32 immediates, or a special shape.
_GC_IMMS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 1, 7: 1, 8: 2, 9: 2, 10: 2, 11: 1, 12: 1, 13: 1,
            14: 1, 15: 0, 16: 1, 17: 2, 18: 2, 19: 2, 26: 0, 27: 0, 28: 0, 29: 0, 30: 0}
# 0xFC (misc) sub-opcodes: number of u32 immediates.
_MISC_IMMS = {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 2, 9: 1, 10: 2, 11: 1, 12: 2, 13: 1,
              14: 2, 15: 1, 16: 1, 17: 1, 19: 0, 20: 0, 21: 0, 22: 0}

FORBIDDEN_MISC = {9: "data.drop", 12: "table.init", 13: "elem.drop", 14: "table.copy", 15: "table.grow",
                  17: "table.fill"}
FORBIDDEN_GC = {5: "struct.set", 14: "array.set", 16: "array.fill", 17: "array.copy",
                18: "array.init_data", 19: "array.init_elem"}

# Bytes that must appear in a body for it to possibly hold a forbidden instruction.
_CANDIDATE = re.compile(rb"[\x26\xfb\xfc]")


@dataclass(frozen=True)
class Found:
    """A forbidden instruction: its name, absolute file offset, and the function it is in."""

    instruction: str
    offset: int
    func_index: int


def _skip_heaptype(r: Reader) -> None:
    r.s33()


def _skip_valtype(r: Reader) -> None:
    b = r.u8()
    if b in (0x63, 0x64):
        _skip_heaptype(r)


def _skip_blocktype(r: Reader) -> None:
    b = r.peek()
    if b == 0x40 or b in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B) or 0x69 <= b <= 0x75:
        r.pos += 1
    elif b in (0x63, 0x64):
        r.pos += 1
        _skip_heaptype(r)
    else:
        r.s33()


def _skip_memarg(r: Reader) -> None:
    align = r.u32()
    if align & 0x40:
        r.u32()
    r.u64()


def _skip_simd(r: Reader, sub: int) -> None:
    if sub <= 11 or sub in (92, 93):
        _skip_memarg(r)
    elif sub in (12, 13):
        r.skip(16)
    elif 21 <= sub <= 34:
        r.skip(1)
    elif 84 <= sub <= 91:
        _skip_memarg(r)
        r.skip(1)
    elif sub > 0x113:
        raise r.error(f"unknown SIMD instruction 0xfd {sub}")


def next_instruction(r: Reader) -> tuple[int, int]:
    """Decode one instruction; return (opcode, sub-opcode or -1), leaving r after its immediates."""
    op = r.u8()
    shape = _SHAPE[op]
    if shape is not None:
        if shape == _NONE:
            return op, -1
        if shape == _IDX:
            r.u32()
        elif shape == _MEMARG:
            _skip_memarg(r)
        elif shape == _I32:
            r.s32()
        elif shape == _BLOCK:
            _skip_blocktype(r)
        elif shape == _I64:
            r.s64()
        elif shape == _IDX2:
            r.u32()
            r.u32()
        elif shape == _F32:
            r.skip(4)
        elif shape == _F64:
            r.skip(8)
        elif shape == _BRTABLE:
            n = r.count(1)
            for _ in range(n + 1):
                r.u32()
        elif shape == _SELECTT:
            for _ in range(r.count(1)):
                _skip_valtype(r)
        elif shape == _TRYTABLE:
            _skip_blocktype(r)
            for _ in range(r.count(1)):
                kind = r.u8()
                if kind in (0, 1):
                    r.u32()
                r.u32()
        elif shape == _HEAPTYPE:
            _skip_heaptype(r)
        return op, -1
    prefixed = _PREFIXED.get(op)
    if prefixed is None:
        raise r.error(f"unknown opcode {op:#04x}", r.pos - 1)
    sub = r.u32()
    prefixed(r, sub)
    return op, sub


def _skip_misc(r: Reader, sub: int) -> None:
    n = _MISC_IMMS.get(sub)
    if n is None:
        raise r.error(f"unknown instruction 0xfc {sub}")
    for _ in range(n):
        r.u32()


def _skip_gc(r: Reader, sub: int) -> None:
    n = _GC_IMMS.get(sub)
    if n is not None:
        for _ in range(n):
            r.u32()
    elif sub in (20, 21, 22, 23):
        _skip_heaptype(r)
    elif sub in (24, 25):
        r.u8()
        r.u32()
        _skip_heaptype(r)
        _skip_heaptype(r)
    else:
        raise r.error(f"unknown GC instruction 0xfb {sub}")


def _skip_atomic(r: Reader, sub: int) -> None:
    if sub == 3:
        r.u8()
    else:
        _skip_memarg(r)


# Prefix byte -> what skips the immediates after its sub-opcode.
_PREFIXED = {0xFC: _skip_misc, 0xFD: _skip_simd, 0xFB: _skip_gc, 0xFE: _skip_atomic}


# `i32.const`, `i64.const`, `global.get`: the one-instruction constant expressions of nearly
# every global and data segment offset
_SHORT_CONST = frozenset((0x41, 0x42, 0x23))


def skip_const_expr(r: Reader) -> None:
    """Advance past a constant expression, including its final `end`. The common shape, one
    `i32.const`, `i64.const` or `global.get` whose immediate takes at most 4 bytes (so it fits
    its type whatever its bits: nothing to check) and `end`, is stepped over inline
    (componentize-py: 2,668 expressions, ~5 ms less); anything else is decoded."""
    data, pos, end = r.data, r.pos, r.end
    if pos < end and data[pos] in _SHORT_CONST:
        p = pos + 1
        stop = min(end, p + 4)
        while p < stop and data[p] & 0x80:
            p += 1
        if p + 1 < end and p < stop and data[p + 1] == 0x0B:
            r.pos = p + 2
            return
    skip_const_expr_decoded(r)


def skip_const_expr_decoded(r: Reader) -> None:
    """:func:`skip_const_expr` one instruction at a time (any shape, nested blocks included)."""
    depth = 0
    while True:
        op, _ = next_instruction(r)
        if op == 0x0B:
            if depth == 0:
                return
            depth -= 1
        elif op in (0x02, 0x03, 0x04, 0x06, 0x1F):
            depth += 1


def scan_body(data: memoryview, start: int, end: int, base: int, func_index: int,
              out: list[Found]) -> None:
    """Append every forbidden instruction in one function body (locals included in [start,end))."""
    if _CANDIDATE.search(data, start, end) is None:
        return
    r = Reader(data, base, start, end)
    for _ in range(r.count(2)):        # locals: (count, type) pairs
        r.u32()
        _skip_valtype(r)
    pos_of = lambda: r.base + r.pos  # noqa: E731
    while r.pos < r.end:
        at = pos_of()
        op, sub = next_instruction(r)
        if op == 0x26:
            out.append(Found("table.set", at, func_index))
        elif op == 0xFC and sub in FORBIDDEN_MISC:
            out.append(Found(FORBIDDEN_MISC[sub], at, func_index))
        elif op == 0xFB and sub in FORBIDDEN_GC:
            out.append(Found(FORBIDDEN_GC[sub], at, func_index))


def const_bits(expr: bytes) -> int | None:
    """The raw bits a single-instruction constant expression produces, or None if not that simple."""
    if not expr:
        return None
    r = Reader(memoryview(expr))
    op = r.u8()
    try:
        if op == 0x41:
            v, width = r.s32(), 32
        elif op == 0x42:
            v, width = r.s64(), 64
        elif op == 0x43:
            v, width = r.f32_bits(), 32
        elif op == 0x44:
            v, width = r.f64_bits(), 64
        elif op == 0xFD and r.u32() == 12:
            v, width = int.from_bytes(r.bytes(16), "little"), 128
        else:
            return None
        if r.u8() != 0x0B or not r.at_end():
            return None
    except Exception:
        return None
    return v & ((1 << width) - 1)
