"""Command-line entry points.

``wizerscope FILE`` opens the inspector (Textual, imported only then); ``wizerscope init`` is the
headless pre-initializer with `wasmtime wizer`'s flags (:mod:`.init_cmd`); ``wizerscope inspect``
prints the inspector's model (:mod:`.inspect_cmd`); ``wizerscope diff A B`` compares two binaries'
initial states (:mod:`.diff_cmd`). Every failure becomes one paragraph on stderr
and a non-zero exit status (2 for a bad option value, like argparse's usage errors), never a
traceback.
"""
from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading

# A command-line run builds a few hundred thousand long-lived objects (imports, the parsed input)
# and little cyclic garbage: Python's default young-generation threshold (700) had the collector
# walk them ~120 times, ~30 ms of a warm componentize-py run. The inspector, which runs for long,
# gets the defaults back (main).
_DEFAULT_GC = gc.get_threshold()
gc.set_threshold(50_000, 50, 100)

from typing import TYPE_CHECKING

from ..errors import InitError, RejectedError, WizerscopeError
from ..preinit.options import OptionError
from .args import build_parser, options_from_args, tui_arguments
from .interrupted import Interrupted

if TYPE_CHECKING:
    from .signals import SignalGuard

__all__ = ["build_parser", "main", "options_from_args", "tui_arguments"]


def cmd_tui(path: str, options=None, compare_with: str | None = None) -> int:
    for p in (path, compare_with):
        if p is not None and not os.path.exists(p):
            raise WizerscopeError(f"{p}: no such file")
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        # a pipe would receive escape codes and the app would wait for keys that never come
        raise OptionError(f"the inspector needs a terminal, and {'stdout' if not sys.stdout.isatty() else 'stdin'} "
                          "is not one",
                          hint=f"run it in a terminal; for text or JSON use `wizerscope inspect {path}` "
                               "(--json), to pre-initialize `wizerscope init`")
    from ..tui.app import run_app
    return run_app(path, options, compare_with)


def _fail(e: WizerscopeError) -> int:
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
    return 2 if isinstance(e, OptionError) else 1


def _command(a, guard: SignalGuard) -> int:
    if a.command == "init":
        from .init_cmd import cmd_init
        return cmd_init(a, guard)
    if a.command == "diff":
        from .diff_cmd import cmd_diff
        return cmd_diff(a)
    if a.command == "inspect":
        from .inspect_cmd import run_inspect
        return run_inspect(a)
    build_parser().print_help()
    return 2


def run() -> None:
    """The command line's entry point (``wizerscope``, ``python -m wizerscope``): :func:`main`, then
    for a headless command an exit that skips the interpreter's teardown. Freeing every object of
    a parsed 18 MB component one by one costs ~25 ms of a run `wasmtime wizer` finishes in ~0.4 s,
    and nothing needs it: every file is written and closed and every temporary removed before
    ``main`` returns (its ``finally`` blocks have run), the helper threads are daemons, and the
    output streams are flushed here. The inspector exits normally (Textual restores the terminal),
    and so does a run under a profiler or tracer, which writes its results at exit."""
    argv = sys.argv[1:]
    code = main(argv)
    watched = sys.getprofile() is not None or sys.gettrace() is not None   # cProfile, coverage, a debugger
    if watched or not argv or argv[0] not in ("init", "inspect", "diff"):
        sys.exit(code)
    for stream, failed in ((sys.stdout, 1), (sys.stderr, 0)):     # None: started with it closed
        try:
            if stream is not None:
                stream.flush()
        except OSError:              # the reader left before the last bytes: as in main
            code = code or failed
    os._exit(code)


@contextlib.contextmanager
def _early_signals_stop():
    """SIGTERM and SIGHUP while the run's code is still imported (before the signal guard is
    installed) end the command like later ones: one line and 128+N, not a silent death. Nothing
    is written yet then; a signal ignored when we started stays ignored. The handlers in place
    before are back afterwards (main may be called in-process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame) -> None:
        raise Interrupted(signum)
    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP) if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] not in ("init", "inspect", "diff") and not argv[0].startswith("-"):
            gc.set_threshold(*_DEFAULT_GC)
            return cmd_tui(*tui_arguments(argv))
        with _early_signals_stop():
            a = build_parser().parse_args(argv)
            if a.command == "init":
                from ..preinit.files import read_ahead
                read_ahead(a.input)        # while the run's code (wasmtime, the stages) is imported
            from .signals import guarded
            with guarded() as guard:
                return _command(a, guard)
    except WizerscopeError as e:
        return _fail(e)
    except Interrupted as e:
        print(f"error: {'interrupted' if e.signum == signal.SIGINT else 'terminated'} ({e})", file=sys.stderr)
        return e.exit_code
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
