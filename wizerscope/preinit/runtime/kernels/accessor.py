"""The accessor core module of one instantiated module inside a component, as WAT.

It imports the module's instrumented state (``__wizer_global_{i}``, ``__wizer_memory_{k}``) and the
non-zero run scanner (its ``scan``, its output memory and ``resume``), and exports, per global, a
getter of the raw bits (f32/f64 reinterpreted so NaN payloads survive; v128 as two 64-bit halves)
and, per memory, ``len``, ``read`` (``memory.copy`` of a chunk into the accessor's own memory,
lifted as a latin1+utf16 string: bytes at C speed without growing the target memory) and
``runs``: one call scans from a position, joining runs whose gap is at most ``join_gap`` bytes as
it goes, and returns the records and, after them, where to resume, as one string (a call across
the component boundary costs ~60 us from Python; four per batch cost componentize-py 0.1 s). See
:mod:`wizerscope.preinit.component.instrument` for how it is wired into the component.
"""
from __future__ import annotations

# records per `runs` call: the slot after them holds (resume, 0), the next (the last of the
# scanner's 64 KiB page) the string's (ptr, len)
SCAN_CAP = 4094
RETAREA = (SCAN_CAP + 1) * 16


def accessor_wat(ins, join_gap: int) -> tuple[str, list[tuple[object, dict[str, str]]]]:
    """The accessor module for instrumentation ``ins`` (its global and memory probes); returns its
    text and, per probe, role -> core export name."""
    imports: list[str] = []
    funcs: list[str] = []
    rows = [(g, _global_funcs(g, imports, funcs)) for g in ins.globals]
    rows += [(mp, _memory_funcs(mp, join_gap, imports, funcs)) for mp in ins.memories]
    text = "(module\n  " + "\n  ".join(imports) + '\n  (memory $buf (export "buf") 0)\n  ' + \
        "\n  ".join(funcs) + ")"
    return text, rows


def _global_funcs(g, imports: list[str], funcs: list[str]) -> dict[str, str]:
    """A global probe's import and getter(s); role -> export name."""
    t = g.type.value.name
    imports.append(f'(import "t" "{g.export}" (global $g{g.index} (mut {t})))')
    get = f"(global.get $g{g.index})"
    if t == "v128":
        funcs.append(f'(func (export "g{g.index}lo") (result i64) (i64x2.extract_lane 0 {get}))')
        funcs.append(f'(func (export "g{g.index}hi") (result i64) (i64x2.extract_lane 1 {get}))')
        roles = {"lo": f"g{g.index}lo", "hi": f"g{g.index}hi"}
    else:
        body = {"i32": get, "i64": get, "f32": f"(i32.reinterpret_f32 {get})",
                "f64": f"(i64.reinterpret_f64 {get})"}[t]
        res = {"i32": "i32", "f32": "i32", "i64": "i64", "f64": "i64"}[t]
        funcs.append(f'(func (export "g{g.index}") (result {res}) {body})')
        roles = {"get": f"g{g.index}"}
    return roles


def _memory_funcs(mp, join_gap: int, imports: list[str], funcs: list[str]) -> dict[str, str]:
    """A memory probe's imports and its len/read/runs functions; role -> export name."""
    k = mp.defined
    mt = mp.type
    memtype = ("i64 " if mt.memory64 else "") + "0" + (
        f" (pagesize {mt.page_size})" if mt.page_size_log2 is not None else "")
    imports.append(f'(import "t" "{mp.export}" (memory $m{k} {memtype}))')
    imports.append(f'(import "s{k}" "out" (memory $o{k} 1))')
    imports.append(f'(import "s{k}" "resume" (global $r{k} (mut i64)))')
    imports.append(f'(import "s{k}" "scan" (func $scan{k} (param i64 i64 i64 i32 i64) (result i32)))')
    size = f"(memory.size $m{k})" if mt.memory64 else f"(i64.extend_i32_u (memory.size $m{k}))"
    src = "(local.get $from)" if mt.memory64 else "(i32.wrap_i64 (local.get $from))"
    funcs.append(f'(func (export "len{k}") (result i64) (i64.mul {size} (i64.const {mt.page_size})))')
    funcs.append(f'''(func (export "read{k}") (param $from i64) (param $n i32) (result i32) (local $need i32)
    (local.set $need (i32.shr_u (i32.add (local.get $n) (i32.const 65551)) (i32.const 16)))
    (if (i32.lt_u (memory.size $buf) (local.get $need))
      (then (if (i32.eq (memory.grow $buf (i32.sub (local.get $need) (memory.size $buf))) (i32.const -1))
          (then unreachable))))
    (memory.copy $buf $m{k} (i32.const 16) {src} (local.get $n))
    (i32.store $buf (i32.const 0) (i32.const 16))
    (i32.store $buf (i32.const 4) (local.get $n))
    (i32.const 0))''')
    funcs.append(f'''(func (export "runs{k}") (param $from i64) (param $to i64) (param $page i64) (param $cap i32)
    (result i32) (local $n i32)
    ;; at most $cap (<= {SCAN_CAP}) joined records, then (resume, 0), as one latin1 string
    (local.set $n (call $scan{k} (local.get $from) (local.get $to) (local.get $page) (local.get $cap)
                        (i64.const {join_gap})))
    (i64.store $o{k} (i32.shl (local.get $n) (i32.const 4)) (global.get $r{k}))
    (i64.store $o{k} offset=8 (i32.shl (local.get $n) (i32.const 4)) (i64.const 0))
    (i32.store $o{k} (i32.const {RETAREA}) (i32.const 0))
    (i32.store $o{k} (i32.const {RETAREA + 4}) (i32.shl (i32.add (local.get $n) (i32.const 1)) (i32.const 4)))
    (i32.const {RETAREA}))''')
    return {"len": f"len{k}", "read": f"read{k}", "runs": f"runs{k}"}
