"""Command-line entry points.

``wizerscope FILE`` opens the inspector (Textual, imported only then); ``wizerscope init`` is the
headless pre-initializer with `wasmtime wizer`'s flags; ``wizerscope inspect`` prints the model.
Every failure becomes one paragraph on stderr and exit status 1, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import InitError, RejectedError, WizerscopeError

_TRUE = {"true", "y", "yes", "1", "on"}
_FALSE = {"false", "n", "no", "0", "off"}


def _bool(text: str) -> bool:
    t = text.lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--init-func", default="wizer-initialize",
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
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop an init that runs longer")
    p.add_argument("--fuel", type=int, help="stop an init after this much fuel")
    p.add_argument("--max-memory", type=int, metavar="BYTES", help="cap each linear memory's size")
    p.add_argument("-W", dest="wasm_opts", action="append", default=[], metavar="OPT",
                   help="wasmtime -W options understood: unknown-imports-trap=y, timeout=S, fuel=N, "
                        "max-memory-size=BYTES")
    p.add_argument("-C", dest="codegen_opts", action="append", default=[], metavar="OPT",
                   help="compiler=auto|winch|cranelift: what compiles the init code (auto: Winch, and "
                        "Cranelift for code Winch cannot compile); others (e.g. cache=n) are accepted and ignored")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wizerscope", description=(
        "Pre-initialize WebAssembly modules and components (like `wasmtime wizer`) and inspect the "
        "result. `wizerscope FILE` opens the interactive inspector."))
    from . import __version__
    p.add_argument("--version", action="version", version=f"wizerscope {__version__}")
    sub = p.add_subparsers(dest="command")
    pi = sub.add_parser("init", help="pre-initialize a module or component (headless)")
    pi.add_argument("input", help="input .wasm or .wat file, or - for stdin")
    pi.add_argument("-o", "--output", help="output file, or - for stdout (default: stdout)")
    _add_run_options(pi)
    pi.add_argument("--json", action="store_true", help="print a JSON report on stdout (needs -o FILE)")
    pi.add_argument("--check", action="store_true", help="only check the input and list every rejection")
    pi.add_argument("--check-determinism", action="store_true",
                    help="run init twice in fresh instances and report state that differs")
    ps = sub.add_parser("inspect", help="print the structure, state and rejections of an input")
    ps.add_argument("input")
    ps.add_argument("--json", action="store_true", help="machine-readable output")
    ps.add_argument("-f", "--init-func", default="wizer-initialize")
    return p


def options_from_args(a: argparse.Namespace):
    from .preinit.options import Options, parse_dir, parse_env, parse_rename
    opts = Options(init_func=a.init_func, keep_init_func=a.keep_init_func)
    opts.renames = [parse_rename(r) for r in a.rename_func]
    for spec in a.preload:
        if spec.count("=") < 1:
            raise WizerscopeError(f"Bad preload option: {spec} (must be of form name=file)")
        name, path = spec.split("=", 1)
        opts.preloads.append((name, path))
    wasi = a.allow_wasi
    for s in a.wasi_opts:
        for part in s.split(","):
            key, _, val = part.partition("=")
            on = _bool(val) if val else True
            if key == "cli":
                wasi = on
            elif key == "inherit-env":
                opts.inherit_env = on
            elif key in ("inherit-stdin", "inherit-stdout", "inherit-stderr", "preview2"):
                pass
            else:
                raise WizerscopeError(f"unsupported WASI option -S {part}")
    opts.wasi = wasi
    opts.dirs = [parse_dir(d) for d in a.dir]
    opts.env = [parse_env(e) for e in a.env]
    opts.inherit_env = opts.inherit_env or a.inherit_env
    opts.timeout = a.timeout
    opts.fuel = a.fuel
    opts.max_memory = a.max_memory
    for w in a.wasm_opts:
        for part in w.split(","):
            key, _, val = part.partition("=")
            if key in ("unknown-imports-trap",):
                opts.unknown_imports_trap = _bool(val) if val else True
            elif key == "timeout":
                opts.timeout = _duration(val)
            elif key == "fuel":
                opts.fuel = int(val)
            elif key == "max-memory-size":
                opts.max_memory = int(val)
            elif key in ("relaxed-simd-deterministic", "all-proposals", "threads", "shared-memory",
                         "custom-page-sizes", "memory64", "multi-memory", "gc", "exceptions",
                         "function-references", "simd", "relaxed-simd", "bulk-memory", "reference-types",
                         "tail-call", "component-model", "wide-arithmetic", "extended-const",
                         "multi-value"):
                pass     # every proposal is on already
            else:
                raise WizerscopeError(f"unsupported wasm option -W {part}")
    for c in a.codegen_opts:
        for part in c.split(","):
            key, _, val = part.partition("=")
            if key == "compiler":
                if val not in ("auto", "winch", "cranelift"):
                    raise WizerscopeError(f"-C compiler={val}: expected auto, winch or cranelift")
                opts.compiler = val
            # anything else (cache=n, opt-level, ...) is wasmtime's and changes nothing here
    if (opts.dirs or opts.env or opts.inherit_env) and not opts.wasi:
        raise WizerscopeError("--dir, --env and --inherit-env need WASI: add -S cli (or --allow-wasi)")
    return opts


def _duration(text: str) -> float:
    t = text.strip()
    for suffix, mult in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if t.endswith(suffix):
            return float(t[: -len(suffix)]) * mult
    return float(t)


def cmd_init(a: argparse.Namespace) -> int:
    from .loading import read_input, write_output
    from .binary.module import header_kind
    opts = options_from_args(a)
    output = a.output if a.output is not None else "-"
    if a.json and output == "-":
        raise WizerscopeError("--json prints the report on stdout, so the output needs -o FILE")
    if output == "-" and not a.check and not a.check_determinism and sys.stdout.isatty():
        raise WizerscopeError("refusing to write a binary to the terminal; name the output with -o FILE "
                              "(or redirect stdout)")
    wasm = read_input(a.input)
    kind = header_kind(wasm)
    if a.check:
        rejections = _check(wasm, kind)
        for r in rejections:
            print(f"rejected: {r.describe()}", file=sys.stderr)
        for g in _reference_gaps(wasm, kind, opts):
            at = f" at byte offset {g.offset:#x}" if g.offset is not None else ""
            print(f"note: `wasmtime wizer` {g.reference} [{g.item}{at}]; wizerscope {g.handled}",
                  file=sys.stderr)
        if rejections:
            return 1
        print(f"{a.input}: no rejections", file=sys.stderr)
        return 0
    if a.check_determinism:
        from .preinit.determinism import check_determinism
        report = check_determinism(wasm, opts)
        print(json.dumps(report.to_json(), indent=2) if a.json else report.describe())
        return 0 if report.deterministic else 2
    progress = _Progress.maybe()
    if kind == "module":
        from .preinit.pipeline import preinit
        with progress.step("pre-initializing module"):
            result = preinit(wasm, opts)
    else:
        from .preinit.component.pipeline import preinit_component
        with progress.step("pre-initializing component"):
            result = preinit_component(wasm, opts)
    _echo_init_output(result, output)
    write_output(output, result.output, input_path=a.input)
    if result.init.results:
        shown = ", ".join(str(v) for v in result.init.results)
        print(f"init returned: {shown}", file=sys.stderr if (output == "-" or a.json) else sys.stdout)
    if a.json:
        from .report import core_result_json
        rep = core_result_json(result, len(wasm)) if kind == "module" else result.to_json(len(wasm))
        rep["init_func"] = opts.init_func
        rep["reference_gaps"] = [g.to_json() for g in _reference_gaps(wasm, kind, opts)]
        print(json.dumps(rep, indent=2))
    return 0


def _echo_init_output(result, output: str) -> None:
    """Forward what init printed; never into a binary on stdout."""
    out_stream = sys.stderr if output == "-" else sys.stdout
    if result.init.stdout:
        out_stream.buffer.write(result.init.stdout) if hasattr(out_stream, "buffer") else None
        out_stream.flush()
    if result.init.stderr:
        sys.stderr.buffer.write(result.init.stderr)
        sys.stderr.flush()


def _reference_gaps(wasm: bytes, kind: str, opts) -> list:
    """Where `wasmtime wizer` would refuse or break this input. Parsed again on purpose: the
    pipeline's model of a component is its specialisation, which no longer shows the gaps."""
    from .preinit.reference_gaps import reference_gaps
    if kind == "module":
        from .binary.module import parse_module
        return reference_gaps(parse_module(wasm), opts)
    from .binary.component import parse_component
    return reference_gaps(parse_component(wasm), opts)


def _check(wasm: bytes, kind: str):
    if kind == "module":
        from .preinit.pipeline import analyze_module
        return analyze_module(wasm)[1]
    from .preinit.component.pipeline import analyze_component
    return analyze_component(wasm)[1]


class _Progress:
    """Rich progress on stderr when it is a terminal; otherwise nothing (and Rich is not imported)."""

    def __init__(self, console=None) -> None:
        self.console = console

    @classmethod
    def maybe(cls) -> "_Progress":
        if sys.stderr.isatty() and not os.environ.get("CI"):
            from rich.console import Console
            return cls(Console(stderr=True))
        return cls()

    def step(self, text: str):
        import contextlib
        if self.console is None:
            return contextlib.nullcontext()
        return self.console.status(text)


def cmd_inspect(a: argparse.Namespace) -> int:
    from .inspect_cmd import run_inspect
    return run_inspect(a)


def tui_arguments(argv: list[str]):
    """``wizerscope FILE [run options]``: the file and the options the inspector starts with (the
    init command's, e.g. ``-S cli --dir data -f my-init``); the init function is None unless
    given, so the inspector can still preselect the only candidate."""
    p = argparse.ArgumentParser(prog="wizerscope", description="open the inspector on FILE")
    p.add_argument("file")
    _add_run_options(p)
    p.set_defaults(init_func=None)
    a = p.parse_args(argv)
    return a.file, options_from_args(a)


def cmd_tui(path: str, options=None) -> int:
    if not os.path.exists(path):
        raise WizerscopeError(f"{path}: no such file")
    from .tui.app import run_app
    return run_app(path, options)


def _fail(e: BaseException) -> int:
    if isinstance(e, RejectedError) and len(e.rejections) == 1:
        # one reason (e.g. a malformed binary): one paragraph, like every other error
        print(f"error: {e.rejections[0].describe()}", file=sys.stderr)
    elif isinstance(e, RejectedError):
        n = len(e.rejections)
        print(f"error: the input cannot be pre-initialized ({n} rejection{'s' if n > 1 else ''}):",
              file=sys.stderr)
        for r in e.rejections:
            print(f"  - {r.describe()}", file=sys.stderr)
    else:
        print(f"error: {e}", file=sys.stderr)
        if isinstance(e, InitError) and e.backtrace:
            print("wasm backtrace:", file=sys.stderr)
            for line in e.backtrace[:20]:
                print(f"    {line}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] not in ("init", "inspect") and not argv[0].startswith("-"):
            return cmd_tui(*tui_arguments(argv))
        a = build_parser().parse_args(argv)
        if a.command == "init":
            return cmd_init(a)
        if a.command == "inspect":
            return cmd_inspect(a)
        build_parser().print_help()
        return 2
    except WizerscopeError as e:
        return _fail(e)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:      # `wizerscope inspect --json x | head`: the reader left, not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")     # no second failure when Python flushes at exit
        except OSError:
            pass
        return 1
    except MemoryError:
        print("error: out of memory", file=sys.stderr)
        return 1
    except Exception as e:  # a bug of ours: still one paragraph, with a pointer to report it
        print(f"error: internal error ({type(e).__name__}: {e}). Please report this input; "
              "set WIZERSCOPE_DEBUG=1 for a traceback.", file=sys.stderr)
        if os.environ.get("WIZERSCOPE_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
