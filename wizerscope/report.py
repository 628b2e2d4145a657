"""Plain-data descriptions of results, for `--json` and for people: no Rich, no Textual."""
from __future__ import annotations

import struct

from .binary.instructions import const_bits


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


def core_result_json(result, input_size: int) -> dict:
    """The `--json` report of a core pre-initialization."""
    m = result.module
    globals_ = []
    for gv in result.snapshot.globals:
        g = m.globals[gv.index - m.num_imported_globals]
        before = const_bits(g.init_expr)
        globals_.append({
            "index": gv.index,
            "name": m.names.globals.get(gv.index),
            "type": gv.type.name,
            "before": format_value(gv.type.name, before),
            "after": format_value(gv.type.name, gv.bits),
            "changed": before != gv.bits,
        })
    plan = result.snapshot.plan
    return {
        "kind": "module",
        "init_func": result.init_func if hasattr(result, "init_func") else None,
        "init_results": [str(v) for v in result.init.results],
        "globals": globals_,
        "memories": [{
            "index": ms.index, "type": str(ms.type), "pages_before": ms.type.minimum, "pages_after": ms.pages,
            "bytes": ms.byte_length} for ms in result.snapshot.memories],
        "segments": {
            "raw_runs": len(plan.raw),
            "merged": len(plan.merged_arrays),
            "cap_merges": len(plan.cap_arrays),
            "final": len(plan.final_arrays),
            "bytes": sum(len(s.data) for s in result.snapshot.segments),
            "list": [{"memory": s.memory, "offset": s.offset, "length": len(s.data)}
                     for s in result.snapshot.segments[:1000]],
        },
        "rewrite": {
            "removed_exports": result.rewrite.removed_exports,
            "renamed_exports": result.rewrite.renamed_exports,
            "removed_start": result.rewrite.removed_start,
            "emptied_active_segments": result.rewrite.emptied_active_segments,
            "kept_passive_segments": result.rewrite.kept_passive_segments,
            "added_segments": result.rewrite.added_segments,
            "data_count": result.rewrite.data_count,
        },
        "sizes": {"input": input_size, "output": len(result.output)},
        "timings": {k: round(v, 6) for k, v in result.timings.items()},
        "compiler": result.init.compiler,
        "stdout": result.init.stdout.decode("utf-8", "replace"),
        "stderr": result.init.stderr.decode("utf-8", "replace"),
    }
