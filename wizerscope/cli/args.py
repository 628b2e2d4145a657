"""The command line's grammar: argparse parsers for ``init`` and ``inspect``, and the run options
turned into :class:`~wizerscope.preinit.options.Options` by the options module's own parsers (the
inspector's form uses the same ones)."""
from __future__ import annotations

import argparse

from ..preinit.options import (DEFAULT_INIT_FUNC, OptionError, Options, apply_codegen_flags, apply_wasi_flags,
                               apply_wasm_flags, parse_bool, parse_dir, parse_env, parse_preload, parse_rename)


def _bool(text: str) -> bool:
    try:
        return parse_bool("--keep-init-func", text)
    except OptionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The flags of a run, shared by ``init`` and ``wizerscope FILE``."""
    p.add_argument("-f", "--init-func", default=DEFAULT_INIT_FUNC,
                   help="the init function (default: wizer-initialize); for components an item name "
                        "or a WAVE call like 'pkg:x/api.init(\"a\")'")
    p.add_argument("-r", "--rename-func", "--func-rename", action="append", default=[], metavar="DST=SRC",
                   help="after init, export SRC under the name DST (core modules only)")
    p.add_argument("--keep-init-func", nargs="?", const="true", default="false", type=_bool,
                   metavar="true|false", help="keep the init function exported (default false)")
    p.add_argument("--preload", action="append", default=[], metavar="NAME=PATH",
                   help="instantiate the module at PATH and provide its exports as imports named NAME")
    p.add_argument("-S", dest="wasi_opts", action="append", default=[], metavar="OPT",
                   help="WASI options as in wasmtime: -S cli enables WASI during init")
    p.add_argument("--allow-wasi", action="store_true", help="enable WASI during init (same as -S cli)")
    p.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                   help="give init access to a host directory (needs WASI)")
    p.add_argument("--env", action="append", default=[], metavar="NAME[=VAL]",
                   help="set an environment variable for init (needs WASI)")
    p.add_argument("--inherit-env", action="store_true", help="give init the whole host environment")
    p.add_argument("--timeout", metavar="SECONDS", help="stop an init that runs longer")
    p.add_argument("--fuel", metavar="N", help="stop an init after this much fuel")
    p.add_argument("--max-memory", metavar="BYTES", help="cap each linear memory's size")
    p.add_argument("--deterministic", action="store_true",
                   help="init sees fixed, advancing clocks (from SOURCE_DATE_EPOCH, else 2000-01-01) and "
                        "seeded randomness, so two runs give byte-identical outputs")
    p.add_argument("--seed", metavar="N", help="the seed of --deterministic randomness (default 0; implies "
                                               "--deterministic)")
    p.add_argument("--drop-dead-stack", action="store_true",
                   help="leave out of the output the stack bytes below the final stack pointer (where the "
                        "stack's bounds are known exactly)")
    p.add_argument("-W", dest="wasm_opts", action="append", default=[], metavar="OPT",
                   help="wasmtime -W options understood: unknown-imports-trap=y, timeout=S, fuel=N, "
                        "max-memory-size=BYTES, max-wasm-stack=BYTES (at most 2 MiB, the default)")
    p.add_argument("-C", dest="codegen_opts", action="append", default=[], metavar="OPT",
                   help="compiler=auto|winch|cranelift: what compiles the init code (auto: Winch, and "
                        "Cranelift for code Winch cannot compile); cache=y|n: wasmtime's compilation cache (on by "
                        "default); cache-config=FILE: its configuration; others (e.g. opt-level) are accepted "
                        "and ignored")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wizerscope", description=(
        "Pre-initialize WebAssembly modules and components (like `wasmtime wizer`) and inspect the "
        "result. `wizerscope FILE` opens the interactive inspector."))
    from .. import __version__
    p.add_argument("--version", action="version", version=f"wizerscope {__version__}")
    sub = p.add_subparsers(dest="command")
    pi = sub.add_parser("init", help="pre-initialize a module or component (headless)")
    pi.add_argument("input", help="input .wasm or .wat file, or - for stdin")
    pi.add_argument("-o", "--output", help="output file, or - for stdout (default: stdout)")
    add_run_options(pi)
    pi.add_argument("--json", action="store_true", help="print a JSON report on stdout (with a run: needs -o FILE)")
    pi.add_argument("--measure-startup", nargs="?", const="10", default=None, metavar="N",
                    help="time N instantiations of the input with its init against N of the output (default 10)")
    pi.add_argument("--anatomy", action="store_true",
                    help="print what each snapshotted memory holds (static data, stack, heap, variables) and the sizes")
    pi.add_argument("--check", action="store_true", help="only check the input and list every rejection")
    pi.add_argument("--check-determinism", action="store_true",
                    help="run init twice in fresh instances and report state that differs")
    from .diff_cmd import add_parser
    add_parser(sub)
    ps = sub.add_parser("inspect", help="print the structure, state and rejections of an input")
    ps.add_argument("input")
    ps.add_argument("--json", action="store_true", help="machine-readable output")
    ps.add_argument("-f", "--init-func", default=DEFAULT_INIT_FUNC)
    return p


def options_from_args(a: argparse.Namespace) -> Options:
    """The run options the flags ask for, validated (OptionError names a bad one)."""
    from ..preinit.options import parse_count, parse_seconds
    opts = Options(init_func=a.init_func or DEFAULT_INIT_FUNC, keep_init_func=a.keep_init_func)
    opts.renames = [parse_rename(r) for r in a.rename_func]
    opts.preloads = [parse_preload(p) for p in a.preload]
    opts.wasi = a.allow_wasi
    for s in a.wasi_opts:
        apply_wasi_flags(opts, s)
    opts.dirs = [parse_dir(d) for d in a.dir]
    opts.env = [parse_env(e) for e in a.env]
    opts.inherit_env = opts.inherit_env or a.inherit_env
    if a.timeout is not None:
        opts.timeout = parse_seconds("--timeout", a.timeout)
    if a.fuel is not None:
        opts.fuel = parse_count("--fuel", a.fuel)
    if a.max_memory is not None:
        opts.max_memory = parse_count("--max-memory", a.max_memory)
    if a.seed is not None:
        opts.seed = parse_count("--seed", a.seed)
    opts.deterministic = a.deterministic or opts.seed is not None
    opts.drop_dead_stack = a.drop_dead_stack
    for w in a.wasm_opts:
        apply_wasm_flags(opts, w)
    for c in a.codegen_opts:
        apply_codegen_flags(opts, c)
    return opts.validate()


def tui_arguments(argv: list[str]) -> tuple[str, Options, str | None]:
    """``wizerscope FILE [run options]``: the file and the options the inspector starts with (the
    init command's, e.g. ``-S cli --dir data -f my-init``); the init function is None unless
    given, so the inspector can still preselect the only candidate. ``--compare B`` opens the
    compare view of FILE against B once FILE is loaded."""
    p = argparse.ArgumentParser(prog="wizerscope", description="open the inspector on FILE")
    p.add_argument("file")
    p.add_argument("--compare", metavar="OTHER", default=None,
                   help="open the compare view: FILE's initial state against OTHER's (e.g. two outputs)")
    add_run_options(p)
    p.set_defaults(init_func=None)
    a = p.parse_args(argv)
    opts = options_from_args(a)
    opts.init_func = a.init_func
    return a.file, opts, a.compare
