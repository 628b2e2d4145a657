"""The inputs of ``bench_scale.py``: modules that are big in one dimension each, built as bytes
(WAT text of this size would cost more to assemble than the runs we measure)."""
from __future__ import annotations

from typing import Callable

from wizerscope.binary.encode import sleb, uleb as leb   # the project's own encoders


def name(s: str | bytes) -> bytes:
    data = s.encode() if isinstance(s, str) else s
    return leb(len(data)) + data


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + leb(len(payload)) + payload


def vec(items: list[bytes]) -> bytes:
    return leb(len(items)) + b"".join(items)


HEADER = b"\0asm\x01\0\0\0"
VOID = b"\x60\x00\x00"                 # [] -> []
INIT_BODY = b"\x00\x0b"                 # no locals, end


def module(*, types: list[bytes] = (VOID,), funcs: list[int] = (), memories: list[bytes] = (),
           globals_: list[bytes] = (), exports: list[bytes] = (), bodies: list[bytes] = (),
           data: list[bytes] = (), customs: list[bytes] = ()) -> bytes:
    parts = [HEADER, section(1, vec(list(types)))]
    if funcs:
        parts.append(section(3, vec([leb(t) for t in funcs])))
    if memories:
        parts.append(section(5, vec(list(memories))))
    if globals_:
        parts.append(section(6, vec(list(globals_))))
    if exports:
        parts.append(section(7, vec(list(exports))))
    if data:
        parts.append(section(12, leb(len(data))))
    if bodies:
        parts.append(section(10, vec([leb(len(b)) + b for b in bodies])))
    if data:
        parts.append(section(11, vec(list(data))))
    parts.extend(customs)
    return b"".join(parts)


def init_export(func: int) -> bytes:
    return name("wizer-initialize") + b"\x00" + leb(func)


def many_exports(n: int = 50_000) -> bytes:
    """``n`` exported functions (plus the init function)."""
    return module(funcs=[0] * (n + 1), bodies=[INIT_BODY] * (n + 1),
                  exports=[init_export(n)] + [name(f"f{i}") + b"\x00" + leb(i) for i in range(n)])


def many_globals(n: int = 20_000) -> bytes:
    """``n`` exported mutable i32 globals that init sets."""
    glob = [b"\x7f\x01\x41" + sleb(i) + b"\x0b" for i in range(n)]
    body = b"".join(b"\x41" + sleb(i * 3) + b"\x24" + leb(i) for i in range(n))
    init = leb(0) + body + b"\x0b"
    return module(funcs=[0], globals_=glob, bodies=[init],
                  exports=[init_export(0)] + [name(f"g{i}") + b"\x03" + leb(i) for i in range(n)])


def many_functions(n: int = 100_000) -> bytes:
    """``n`` functions, only the init exported."""
    return module(funcs=[0] * n, bodies=[INIT_BODY] * n, exports=[init_export(n - 1)])


def many_segments(n: int = 100_000) -> bytes:
    """``n`` active data segments (the validator's maximum), one byte each, 2 bytes apart, that
    init changes next to each other so the snapshot has many runs too."""
    pages = max(1, (2 * n * 3) // 65536 + 1)
    segs = [b"\x00\x41" + sleb(2 * i) + b"\x0b" + name(b"\x01") for i in range(n)]
    body = b"".join(b"\x41" + sleb(2 * i + 1) + b"\x41\x07\x3a\x00\x00" for i in range(0, n, 7))
    return module(funcs=[0], memories=[b"\x00" + leb(pages)], bodies=[leb(0) + body + b"\x0b"],
                  data=segs, exports=[init_export(0), name("memory") + b"\x02\x00"])


def long_names(size: int = 8 << 20) -> bytes:
    """An export name and a custom-section name of ``size`` bytes each (invalid above 100,000)."""
    custom = section(0, name("c" * size) + b"payload")
    return module(funcs=[0], bodies=[INIT_BODY], exports=[init_export(0), name("e" * size) + b"\x00\x00"],
                  customs=[custom])


def sparse_memory(gib: int = 16) -> bytes:
    """A 64-bit memory that init grows to ``gib`` GiB and writes a few bytes into, far apart."""
    pages = gib << 14
    writes = b"".join(b"\x42" + sleb(off) + b"\x41\x2a\x3a\x00\x00"     # i64.const off; i32.const 42; store8
                      for off in (0, (gib << 30) // 2, (gib << 30) - 1))
    body = leb(0) + b"\x42" + sleb(pages - 1) + b"\x40\x00\x1a" + writes + b"\x0b"   # memory.grow, drop
    return module(funcs=[0], memories=[b"\x04" + leb(1)], bodies=[body],
                  exports=[init_export(0), name("memory") + b"\x02\x00"])


INPUTS: dict[str, Callable[[], bytes]] = {
    "50k exports": many_exports, "20k exported globals": many_globals, "100k functions": many_functions,
    "100k data segments": many_segments, "8 MiB names": long_names, "16 GiB sparse memory": sparse_memory,
}


def file_name(name: str) -> str:
    return name.replace(" ", "_") + ".wasm"


if __name__ == "__main__":
    # run as a child by bench_scale.py: building the inputs in the measuring process would raise
    # its resident set, which a forked child's peak RSS (wait4's ru_maxrss) starts from
    import os
    import sys
    for key in sys.argv[2:]:
        with open(os.path.join(sys.argv[1], file_name(key)), "wb") as f:
            f.write(INPUTS[key]())
