"""How long the forbidden-instruction scan takes on a large code section (target: it must not
dominate a pre-initialization; the issue names a 75 MB code section).

Builds a module of the requested size by repeating real function bodies taken from a corpus module
(default: QuickJS-NG from ../shared/corpus), then times parse, the wasm scanner and (on a slice) the
exact Python scanner.

    python benchmarks/bench_scan.py [--mb 75] [--source /tmp/wizerscope-corpus/ext_qjs_reactor.wasm]
"""
from __future__ import annotations

import argparse
import time

from wizerscope.binary import encode
from wizerscope.binary.module import parse_module, scan_forbidden
from wizerscope.preinit.runtime.kernels.forbidden_scan import scan_module


def build(source: bytes, target_mb: float) -> bytes:
    m = parse_module(source)
    # keep only bodies of type [] -> [] functions? simpler: one type, bodies that validate are not
    # needed for scanning, so use every body under a single () -> () signature.
    bodies = [bytes(m.data[b0:b1]) for b0, b1 in m.code_bodies]
    out_bodies, size = [], 0
    while size < target_mb * 1e6:
        for b in bodies:
            out_bodies.append(encode.uleb(len(b)) + b)
            size += len(b)
            if size >= target_mb * 1e6:
                break
    n = len(out_bodies)
    sections = [
        encode.section(1, encode.vec([b"\x60\x00\x00"])),
        encode.section(3, encode.vec([b"\x00"] * n)),
        encode.section(10, encode.uleb(n) + b"".join(out_bodies)),
    ]
    return b"\0asm\x01\0\0\0" + b"".join(sections)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=75)
    ap.add_argument("--source", default="/tmp/wizerscope-corpus/ext_qjs_reactor.wasm")
    a = ap.parse_args()
    wasm = build(open(a.source, "rb").read(), a.mb)
    t = time.perf_counter()
    m = parse_module(wasm)
    t_parse = time.perf_counter() - t
    t = time.perf_counter()
    fast = scan_module(m)
    t_fast = time.perf_counter() - t
    # the exact scanner on the first 2 MB of bodies, extrapolated
    sub = parse_module(build(open(a.source, "rb").read(), 2))
    t = time.perf_counter()
    scan_forbidden(sub)
    t_py = (time.perf_counter() - t) * (a.mb / 2)
    print(f"code section {len(wasm) / 1e6:.1f} MB, {len(m.code_bodies)} bodies")
    print(f"parse           {t_parse:7.3f} s")
    print(f"scan (wasm)     {t_fast:7.3f} s   findings: {len(fast) if fast is not None else 'fallback'}")
    print(f"scan (Python)   {t_py:7.3f} s   (extrapolated from 2 MB)")


if __name__ == "__main__":
    main()
