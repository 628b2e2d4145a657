#!/usr/bin/env python3
"""Fuzzing what people type: option values and WAVE arguments must end in a clean error or a value
the run can honour.

Why: ``--timeout inf`` once crashed the timer thread, ``-W fuel=x`` ended in "internal error", a
5,000-deep WAVE list in a RecursionError and ``4294967296`` for a ``u32`` was wrapped silently. The
command line and the inspector's form share the parsers (``preinit/options.py``) and the WAVE
reader (``preinit/component/wave.py``, ``wave_types.py``), so fuzzing them once covers both. This
file is the harness; ``tests/fuzz/test_fuzz_args.py`` runs it on a CI budget and this script runs
it long::

    python scripts/fuzz_args.py --count 20000 --seed 1

The oracle. Options: argparse refuses (exit 2), or :func:`wizerscope.cli.args.options_from_args`
raises a one-paragraph :class:`~wizerscope.errors.WizerscopeError`, or the options it returns
validate and hold only values a run can use (a finite timeout in range, no negative counts).
WAVE: :func:`parse_init` and :func:`to_python` raise a one-paragraph ``InitError``, or give a value
that fits the parameter's type (integers in range, strings that encode as UTF-8). Anything else is
a finding. Exit status 1 if any input crashed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wizerscope.errors import WizerscopeError  # noqa: E402

# -- option values -------------------------------------------------------------------------------
VALUE_FLAGS = ("--timeout", "--fuel", "--max-memory", "--seed", "-W", "-S", "-C", "--keep-init-func", "-r",
               "--preload", "--env", "--dir", "-f")
ATOMS = ("0", "1", "-1", "7", "inf", "-inf", "+inf", "nan", "NaN", "1e308", "1e-308", "1e9", "1e10", "0x10",
         "0b11", "1_000", "10ms", "2m", "5s", "0.5", ".5", "5.", "", " ", "y", "n", "yes", "no", "maybe", "true",
         "=", ",", "==", "99999999999999999999999", "18446744073709551616", "é", "\x00", "\x1b[2J", "-", "--",
         "9" * 400)
KEYS = ("timeout", "fuel", "max-memory-size", "unknown-imports-trap", "simd", "cli", "inherit-env", "inherit-stdin",
        "preview2", "compiler", "opt-level", "nope", "")


def option_value(rnd: random.Random, flag: str) -> str:
    """A value for ``flag``: an atom, ``key=value`` pairs for the -W/-S/-C groups, or a mutation."""
    if flag in ("-W", "-S", "-C") and rnd.random() < 0.8:
        pairs = []
        for _ in range(rnd.choice((1, 1, 2, 3))):
            key = rnd.choice(KEYS)
            pairs.append(key if rnd.random() < 0.2 else f"{key}={rnd.choice(ATOMS)}")
        text = ",".join(pairs)
    elif flag in ("-r", "--preload", "--env", "--dir") and rnd.random() < 0.6:
        text = rnd.choice(ATOMS) + rnd.choice(("=", "::", "==", "")) + rnd.choice(ATOMS)
    else:
        text = rnd.choice(ATOMS)
    return mutate_text(text, rnd) if rnd.random() < 0.3 else text


def option_argv(rnd: random.Random) -> list[str]:
    argv: list[str] = []
    for _ in range(rnd.choice((1, 1, 2, 3, 4))):
        flag = rnd.choice(VALUE_FLAGS)
        argv += [flag, option_value(rnd, flag)]
    if rnd.random() < 0.3:
        argv.append(rnd.choice(("-S", "--allow-wasi", "--deterministic", "--inherit-env")))
        if argv[-1] == "-S":
            argv.append("cli")
    return argv


def check_options(argv: list[str]) -> str:
    """``usage`` (argparse exit 2), ``error`` (a clean WizerscopeError) or ``ok``; raise otherwise."""
    from wizerscope.cli.args import build_parser, options_from_args
    from wizerscope.preinit.options import MAX_TIMEOUT
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            a = build_parser().parse_args(["init", "in.wasm", *argv])
    except SystemExit as e:
        assert e.code == 2, f"argparse exit {e.code}"
        return "usage"
    try:
        opts = options_from_args(a)
    except WizerscopeError as e:
        one_paragraph(e)
        return "error"
    assert opts.validate() is opts
    assert opts.timeout is None or (math.isfinite(opts.timeout) and 0 < opts.timeout <= MAX_TIMEOUT), opts.timeout
    for value in (opts.fuel, opts.max_memory, opts.seed):
        assert value is None or (isinstance(value, int) and value >= 0), value
    assert opts.compiler in ("auto", "winch", "cranelift")
    return "ok"


# -- WAVE arguments ----------------------------------------------------------------------------------
TYPES_WAT = r'''(component
  (type $r (record (field "x" u32) (field "y" s8) (field "z" (option string))))
  (import "r" (type $rr (eq $r)))
  (type $e (enum "red" "green"))
  (import "e" (type $ee (eq $e)))
  (type $fl (flags "a" "b" "c"))
  (import "fl" (type $ff (eq $fl)))
  (type $v (variant (case "none") (case "num" u16) (case "text" string)))
  (import "v" (type $vv (eq $v)))
  (import "f" (func (param "p0" bool) (param "p1" s8) (param "p2" u8) (param "p3" s16) (param "p4" u16)
    (param "p5" s32) (param "p6" u32) (param "p7" s64) (param "p8" u64) (param "p9" f32) (param "p10" f64)
    (param "p11" char) (param "p12" string) (param "p13" (list u32)) (param "p14" (list (list u8)))
    (param "p15" (option (option s32))) (param "p16" (result u32 (error string))) (param "p17" $rr)
    (param "p18" (tuple char f32 (list string))) (param "p19" $ee) (param "p20" $ff) (param "p21" $vv))))'''


def wave_types() -> list:
    """The component types of TYPES_WAT's parameters (one of each kind, some nested)."""
    import wasmtime
    from wasmtime import component as wc
    engine = wasmtime.Engine()
    comp = wc.Component(engine, wasmtime.wat2wasm(TYPES_WAT))
    return [ty for _, ty in comp.type.imports(engine)["f"].ty.params]


WAVE_ATOMS = ("0", "-1", "255", "256", "-129", "4294967296", "99999999999999999999", "-9223372036854775809",
              "18446744073709551616", "1.5", "-0.0", "1e39", "nan", "inf", "-inf", "true", "false", "none",
              "'a'", "'\\n'", "'\\u{1F600}'", "'\\u{110000}'", "'\\u{d800}'", "'ab'", '"text"', '""',
              '"\\u{10FFFF}"', '"\\u{dfff}"', '"\\u{"', '"\\q"', "red", "green", "blue", "{a, c}", "{x: 1, y: 2}",
              "{x: 1}", "%red", "num(7)", "text(\"t\")", "ok(1)", "err(\"e\")", "some(1)", "some(none)")


def wave_value(rnd: random.Random, depth: int = 0) -> str:
    """Random WAVE text: atoms, lists, tuples, records, calls; now and then far too deep."""
    if rnd.random() < 0.02:
        n = rnd.choice((101, 500, 5000))
        opening, closing = rnd.choice((("[", "]"), ("some(", ")"), ("(", ")"), ("{a: ", "}"), ("ok(", ")")))
        return opening * n + "1" + closing * n
    if depth > 3 or rnd.random() < 0.5:
        return rnd.choice(WAVE_ATOMS)
    items = ", ".join(wave_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3)))
    kind = rnd.randrange(5)
    if kind == 0:
        return f"[{items}]"
    if kind == 1:
        return f"({items})"
    if kind == 2:
        return f"{rnd.choice(('some', 'ok', 'err', 'num', 'text', 'x'))}({items})"
    if kind == 3:
        return "{" + ", ".join(f"{k}: {wave_value(rnd, depth + 1)}" for k in rnd.sample("xyz", rnd.randint(0, 3))) + "}"
    return f"[{items}"            # unbalanced


def wave_call(rnd: random.Random, arity: int) -> tuple[str, list[int]]:
    """A call of ``f`` with values meant for (mostly) the right number of parameters, and which."""
    which = [rnd.randrange(arity) for _ in range(rnd.choice((1, 1, 2, 3)))]
    text = "f(" + ", ".join(wave_value(rnd) for _ in which) + ")"
    return (mutate_text(text, rnd) if rnd.random() < 0.2 else text), which


def check_wave(text: str, which: list[int], types: list) -> str:
    """Parse ``text`` and convert each argument to the chosen parameter's type; the outcome."""
    from wizerscope.errors import InitError
    from wizerscope.preinit.component.wave import parse_init
    from wizerscope.preinit.component.wave_types import to_python
    try:
        spec = parse_init(text)
    except InitError as e:
        one_paragraph(e)
        return "parse-error"
    if spec.args is None:
        return "name"
    outcome = "ok"
    for value, index in zip(spec.args, which):
        try:
            fits(to_python(value, types[index], text))
        except InitError as e:
            one_paragraph(e)
            outcome = "type-error"
    return outcome


def fits(value) -> None:
    """What wasmtime-py will lower: no surrogate in a string, nothing of an unexpected kind."""
    from wasmtime import component as wc
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            fits(v)
    elif isinstance(value, wc.Record):
        for v in vars(value).values():
            fits(v)
    elif isinstance(value, wc.Variant):
        fits(value.payload)
    else:
        assert value is None or isinstance(value, (bool, int, float, bytes)), type(value)


# -- shared ---------------------------------------------------------------------------------------------
def mutate_text(text: str, rnd: random.Random) -> str:
    """Insert, delete or replace a character (often one of the grammar's own)."""
    i = rnd.randrange(len(text) + 1)
    ch = rnd.choice("()[]{},:='\"\\u-+.%_ 0x9\x00é")
    op = rnd.randrange(3)
    if op == 0:
        return text[:i] + ch + text[i:]
    if op == 1:
        return text[:i] + text[i + 1:]
    return text[:i] + ch + text[i + 1:]


def one_paragraph(e: WizerscopeError) -> None:
    text = str(e).strip()
    assert text and "\n" not in text, f"error message is not one paragraph: {text!r}"
    assert "internal error" not in text, text
    assert len(text) < 2000, f"error message of {len(text)} characters"


def run(count: int, seed: int = 0) -> dict:
    """``count`` option command lines and ``count`` WAVE calls; the outcome histogram and crashes."""
    rnd = random.Random(seed)
    types = wave_types()
    outcomes: dict[str, int] = {}
    crashes: list[dict] = []
    for i in range(count):
        for kind, make, check in (("options", lambda: (option_argv(rnd),), check_options),
                                  ("wave", lambda: wave_call(rnd, len(types)), None)):
            args = make()
            try:
                result = check(*args) if check else check_wave(args[0], args[1], types)
                key = f"{kind}:{result}"
                outcomes[key] = outcomes.get(key, 0) + 1
            except Exception as e:          # the finding
                crashes.append({"index": i, "kind": kind, "input": repr(args)[:300],
                                "error": f"{type(e).__name__}: {str(e)[:300]}",
                                "traceback": traceback.format_exc(limit=6)})
    return {"inputs": 2 * count, "outcomes": outcomes, "crashes": crashes}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=10_000, help="command lines and WAVE calls each")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    report = run(a.count, a.seed)
    for c in report["crashes"][:20]:
        print(f"CRASH #{c['index']} ({c['kind']}) {c['input']}: {c['error']}\n{c['traceback']}", file=sys.stderr)
    print(json.dumps({k: v for k, v in report.items() if k != "crashes"} | {"crashes": len(report["crashes"])},
                     indent=2))
    return 1 if report["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
