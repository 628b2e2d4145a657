"""Fast forbidden-instruction scan: the decoder of ``forbidden_scan.wat`` run under wasmtime.

The pure-Python scanner in :mod:`wizerscope.binary.instructions` is exact but decodes ~6 MB/s;
componentize-py output has several MB of code. The wasm scanner reports the same findings
(checked by tests against the Python one) at hundreds of MB/s. When it cannot decode something
(or finds more than it has room for), the caller falls back to the Python scanner, which raises
a precise error or returns the full list.
"""
from __future__ import annotations

import functools

import wasmtime

from ....binary import instructions as ins
from ....binary.instructions import FORBIDDEN_GC, FORBIDDEN_MISC, Found
from ....binary.module import Module
from ..engines import kernel_engine
from . import compile_text, source

_CAP = 4096      # records; more than this and the Python scanner lists them all


def _tables() -> bytes:
    """The opcode tables forbidden_scan.wat reads, derived from the Python decoder's own tables."""
    to_wasm = {ins._NONE: 0, ins._IDX: 1, ins._I32: 1, ins._I64: 1, ins._HEAPTYPE: 1, ins._IDX2: 2,
               ins._BLOCK: 3, ins._BRTABLE: 4, ins._MEMARG: 5, ins._F32: 8, ins._F64: 9,
               ins._SELECTT: 10, ins._TRYTABLE: 11}
    shape = bytearray(255 if s is None else to_wasm[s] for s in ins._SHAPE)
    shape[0x26] = 12
    shape[0xFC], shape[0xFD], shape[0xFB], shape[0xFE] = 13, 14, 15, 16
    misc = bytearray(255 for _ in range(32))
    for sub, n in ins._MISC_IMMS.items():
        misc[sub] = n
    gc = bytearray(255 for _ in range(32))
    for sub, n in ins._GC_IMMS.items():
        gc[sub] = n
    for sub in (20, 21, 22, 23):
        gc[sub] = 1
    gc[24] = gc[25] = 254
    return bytes(shape) + bytes(misc) + bytes(gc)


@functools.lru_cache(maxsize=1)
def _scanner() -> tuple[wasmtime.Engine, wasmtime.Module, bytes]:
    engine = kernel_engine()
    return engine, compile_text(engine, source("forbidden_scan"), "forbidden_scan"), _tables()


_MIN_CODE = 128 * 1024   # below this the Python scan takes < 25 ms and no scanner is compiled


def worth_it(m: Module) -> bool:
    """Whether the wasm scanner beats the Python one (its set-up costs ~8 MB and a few ms)."""
    code = m.section(10)
    return code is not None and len(code.payload) >= _MIN_CODE


def scan_module(m: Module) -> list[Found] | None:
    """Every forbidden instruction of ``m``, or None when the fast path cannot decide."""
    code = m.section(10)
    if code is None or not m.code_count:
        return []
    engine, module, tables = _scanner()
    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, module, [])
    mem = inst.exports(store)["memory"]
    payload = code.payload
    base = 1024
    out = base + len(payload) + 16
    need = out + _CAP * 12
    pages = (need + 65535) // 65536
    if pages > 1:
        mem.grow(store, pages - 1)
    mem.write(store, tables, 0)
    mem.write(store, payload, base)
    count = inst.exports(store)["scan"](store, base, len(payload), out, _CAP)
    if count < 0:
        return None
    found: list[Found] = []
    if count:
        raw = mem.read(store, out, out + count * 12)
        first = m.num_imported_funcs
        for k in range(count):
            body, off, what = (int.from_bytes(raw[k * 12 + j:k * 12 + j + 4], "little") for j in (0, 4, 8))
            if what == 0x26:
                name = "table.set"
            elif what & 0x100:
                name = FORBIDDEN_MISC[what & 0xFF]
            else:
                name = FORBIDDEN_GC[what & 0xFF]
            found.append(Found(name, code.payload_offset + off, first + body))
    return found
