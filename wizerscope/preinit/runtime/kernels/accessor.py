"""The accessor core module of one instantiated module inside a component, as WAT.

It imports the module's instrumented state (``__wizer_global_{i}``, ``__wizer_memory_{k}``) and the
non-zero run scanner (its ``scan_joined``, its output memory and ``resume``), and exports, per global, a
getter of the raw bits (f32/f64 reinterpreted so NaN payloads survive; v128 as two 64-bit halves),
one function that returns every global's bits at once (what the snapshot calls) and, per memory, ``len``, ``read`` (``memory.copy`` of a chunk into the accessor's own memory,
lifted as a latin1+utf16 string: bytes at C speed without growing the target memory) and
``runs``: one call scans from a position for the runs as the snapshot's first join leaves them
(the scanner's ``scan_joined``) and returns the records and, after them, where to resume, as one
string (a call across
the component boundary costs ~60 us from Python; four per batch cost componentize-py 0.1 s). See
:mod:`wizerscope.preinit.component.instrument` for how it is wired into the component.
"""
from __future__ import annotations

from .nonzero_runs import OUT_PAGES

# records per `runs` call: the slot after them holds (resume, 0), the last 16 bytes of the
# scanner's `out` the string's (ptr, len)
SCAN_CAP = OUT_PAGES * 65536 // 16 - 2
RETAREA = (SCAN_CAP + 1) * 16


# the core export that returns every global of a module at once (see _all_globals_func)
ALL_GLOBALS = "gall"


def accessor_wat(ins) -> tuple[str, list[tuple[object, dict[str, str]]]]:
    """The accessor module for instrumentation ``ins`` (its global and memory probes); returns its
    text and, per probe, role -> core export name (every global also has role ``all``:
    :data:`ALL_GLOBALS`, one call for all of them)."""
    imports: list[str] = []
    funcs: list[str] = []
    rows = [(g, _global_funcs(g, imports, funcs)) for g in ins.globals]
    if ins.globals:
        funcs.append(_all_globals_func(ins.globals))
        for _, roles in rows:
            roles["all"] = ALL_GLOBALS
    rows += [(mp, _memory_funcs(mp, imports, funcs)) for mp in ins.memories]
    text = "(module\n  " + "\n  ".join(imports) + '\n  (memory $buf (export "buf") 0)\n  ' + \
        "\n  ".join(funcs) + ")"
    return text, rows


def all_globals_layout(globals_) -> list[tuple[int, int]]:
    """(offset, bytes) of each global in what :data:`ALL_GLOBALS` returns: 8 bytes each (i32 and
    f32 zero-extended, floats as their bits), 16 for a v128 (low half first), in probe order."""
    out, at = [], 0
    for g in globals_:
        n = 16 if g.type.value.name == "v128" else 8
        out.append((at, n))
        at += n
    return out


def _all_globals_func(globals_) -> str:
    """Every global's raw bits into ``$buf`` from byte 16, the string's (ptr, len) at 0: one
    accessor call instead of one per global (componentize-py: 495 calls, ~13 ms; a call across
    the component boundary costs ~26 us from Python)."""
    layout = all_globals_layout(globals_)
    total = sum(n for _, n in layout)
    pages = (16 + total + 65535) >> 16
    stores = []
    for g, (at, n) in zip(globals_, layout):
        t = g.type.value.name
        get = f"(global.get $g{g.index})"
        if t == "v128":
            stores.append(f"(i64.store $buf offset={16 + at} (i32.const 0) (i64x2.extract_lane 0 {get}))")
            stores.append(f"(i64.store $buf offset={24 + at} (i32.const 0) (i64x2.extract_lane 1 {get}))")
        else:
            bits = {"i32": f"(i64.extend_i32_u {get})", "f32": f"(i64.extend_i32_u (i32.reinterpret_f32 {get}))",
                    "i64": get, "f64": f"(i64.reinterpret_f64 {get})"}[t]
            stores.append(f"(i64.store $buf offset={16 + at} (i32.const 0) {bits})")
    return f'''(func (export "{ALL_GLOBALS}") (result i32)
    (if (i32.lt_u (memory.size $buf) (i32.const {pages}))
      (then (if (i32.eq (memory.grow $buf (i32.sub (i32.const {pages}) (memory.size $buf))) (i32.const -1))
          (then unreachable))))
    {" ".join(stores)}
    (i32.store $buf (i32.const 0) (i32.const 16))
    (i32.store $buf (i32.const 4) (i32.const {total}))
    (i32.const 0))'''


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


def _memory_funcs(mp, imports: list[str], funcs: list[str]) -> dict[str, str]:
    """A memory probe's imports and its len/read/runs functions; role -> export name."""
    k = mp.defined
    mt = mp.type
    memtype = ("i64 " if mt.memory64 else "") + "0" + (
        f" (pagesize {mt.page_size})" if mt.page_size_log2 is not None else "")
    imports.append(f'(import "t" "{mp.export}" (memory $m{k} {memtype}))')
    imports.append(f'(import "s{k}" "out" (memory $o{k} {OUT_PAGES}))')
    imports.append(f'(import "s{k}" "resume" (global $r{k} (mut i64)))')
    imports.append(f'(import "s{k}" "scan_joined" (func $scan{k} (param i64 i64 i32) (result i32)))')
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
    funcs.append(f'''(func (export "runs{k}") (param $from i64) (param $to i64) (param $cap i32)
    (result i32) (local $n i32)
    ;; at most $cap (<= {SCAN_CAP}) joined records, then (resume, 0), as one latin1 string
    (local.set $n (call $scan{k} (local.get $from) (local.get $to) (local.get $cap)))
    (i64.store $o{k} (i32.shl (local.get $n) (i32.const 4)) (global.get $r{k}))
    (i64.store $o{k} offset=8 (i32.shl (local.get $n) (i32.const 4)) (i64.const 0))
    (i32.store $o{k} (i32.const {RETAREA}) (i32.const 0))
    (i32.store $o{k} (i32.const {RETAREA + 4}) (i32.shl (i32.add (local.get $n) (i32.const 1)) (i32.const 4)))
    (i32.const {RETAREA}))''')
    return {"len": f"len{k}", "read": f"read{k}", "runs": f"runs{k}"}
