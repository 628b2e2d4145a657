"""``wizerscope init``: the headless pre-initializer with `wasmtime wizer`'s flags.

One pipeline for the input, then one of three jobs: ``--check`` (every rejection and the reference
gaps, nothing run), ``--check-determinism`` (init twice, compared), or the run itself (through the
same driver as the inspector), its output written atomically and, with ``--json``, its report.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys

from ..errors import WizerscopeError
from ..preinit.choose import pipeline_for
from ..preinit.files import print_stdout, read_input, write_output
from ..preinit.pipeline import Hooks
from .args import options_from_args
from .signals import SignalGuard


def cmd_init(a: argparse.Namespace, guard: SignalGuard | None = None) -> int:
    opts = options_from_args(a)
    if a.measure_startup is not None:
        from ..preinit.options import parse_runs
        a.measure_startup = parse_runs("--measure-startup", a.measure_startup)
    output = a.output if a.output is not None else "-"
    runs = not a.check and not a.check_determinism
    if runs and a.json and output == "-":
        raise WizerscopeError("--json prints the report on stdout, so the output needs -o FILE")
    if runs and output == "-" and sys.stdout.isatty():
        raise WizerscopeError("refusing to write a binary to the terminal; name the output with -o FILE "
                              "(or redirect stdout)")
    wasm = read_input(a.input)
    from ..preinit.runtime import engines, sandbox
    engines.helpers_follow(sandbox.engine_settings(opts).cache)   # before anything compiles
    # The parsed input lives as long as the command: no collection walks its objects, neither
    # while they are made (componentize-py's parse triggered one over 50k young objects, 8-18 ms)
    # nor later (frozen: ~40 ms of a warm run's 0.46 s before)
    from ..preinit.pipeline import code_check_ahead
    gc.disable()
    try:
        pipeline = pipeline_for(wasm, code_check_ahead(opts))
    finally:
        gc.freeze()
        gc.enable()
    try:
        return _run_command(a, pipeline, opts, wasm, output, guard)
    finally:
        gc.unfreeze()


def _run_command(a: argparse.Namespace, pipeline, opts, wasm: bytes, output: str, guard: SignalGuard | None) -> int:
    """``--check``, ``--check-determinism`` or the run, on the parsed input."""
    if a.check:
        return _check(a, pipeline, opts)
    if a.check_determinism:
        from ..preinit.determinism import check_determinism
        from ..report.build import determinism_report
        from ..report.json import dumps
        from ..report.text import describe_determinism
        result = check_determinism(pipeline, opts, guard.hooks() if guard is not None else None)
        print_stdout(dumps(determinism_report(result)) if a.json else describe_determinism(result))
        return 0 if result.deterministic else 2
    from ..preinit.pipeline import drive
    opts.argv0, opts.inherit_stdin = a.input, True     # what `wasmtime wizer` gives init
    forward = _forwarder(output == "-" or a.json)
    with _spinner(f"pre-initializing {pipeline.kind}"):
        run = drive(pipeline, opts, guard.hooks(forward) if guard is not None else _Streaming(forward))
    for note in run.init.notes:
        print(note if note.startswith("warning:") else f"note: {note}", file=sys.stderr)
    write_output(output, run.built)          # its pieces: never joined for a plain run
    if run.init.results:
        shown = ", ".join(str(v) for v in run.init.results)
        _say(f"init returned: {shown}", to_stderr=output == "-" or a.json)
    startup = _measure_startup(a, pipeline, run, opts)
    if a.json:
        from ..report.build import run_report
        from ..report.json import dumps      # the report model: ~20 ms of imports a plain run does not need
        print_stdout(dumps(run_report(run, len(wasm), pipeline.reference_gaps(opts), startup)))
    else:
        _describe_run(a, run, len(wasm), startup, to_stderr=output == "-")
    return 0


def _measure_startup(a: argparse.Namespace, pipeline, run, opts):
    """``--measure-startup [N]``: the input with its init against the output, N starts each."""
    if a.measure_startup is None:
        return None
    from ..preinit.startup import measure_startup
    with _spinner("measuring start-up"):
        return measure_startup(pipeline, pipeline_for(run.output), opts, [(ur.unit, ur.after) for ur in run.units],
                               a.measure_startup)


def _say(text: str, to_stderr: bool) -> None:
    """A line for the user: on stderr when stdout carries the output or the JSON report, else on
    stdout through the checked writer (a closed or full stdout is an error, not lost text)."""
    if to_stderr:
        print(text, file=sys.stderr)
    else:
        print_stdout(text)


def _describe_run(a: argparse.Namespace, run, input_size: int, startup, to_stderr: bool) -> None:
    """The text lines --anatomy, --drop-dead-stack and --measure-startup ask for."""
    if not a.anatomy and run.dead_stack_saved is None and startup is None:
        return
    from ..report.build import run_anatomy, sizes
    from ..report.text import describe_anatomy, describe_sizes
    if a.anatomy:
        for anatomy in run_anatomy(run):
            _say("\n".join(describe_anatomy(anatomy)), to_stderr)
    if a.anatomy or run.dead_stack_saved is not None:
        _say(describe_sizes(sizes(run, input_size), run.dead_stack_saved), to_stderr)
    if startup is not None:
        _say(startup.describe(), to_stderr)


def _check(a: argparse.Namespace, pipeline, opts) -> int:
    """``--check``: every rejection and every reference gap, nothing run; exit 1 when rejected."""
    rejections = pipeline.full_rejections()
    gaps = pipeline.reference_gaps(opts)
    if a.json:
        from ..report.json import dumps
        from ..report.model import CheckReport, RejectionReport
        print_stdout(dumps(CheckReport(a.input, pipeline.kind,
                                [RejectionReport(r.rule, r.message, r.item, r.path, r.offset, r.hint, [])
                                 for r in rejections], gaps)))
    else:
        for r in rejections:
            print(f"rejected: {r.describe()}", file=sys.stderr)
        for g in gaps:
            at = f" at byte offset {g.offset:#x}" if g.offset is not None else ""
            print(f"note: `wasmtime wizer` {g.reference} [{g.item}{at}]; wizerscope {g.handled}", file=sys.stderr)
        if not rejections:
            print(f"{a.input}: no rejections", file=sys.stderr)
    return 1 if rejections else 0


def _forwarder(stdout_taken: bool):
    """Where init's output goes as it is written: its stderr to ours, its stdout to ours unless
    ours carries the binary or the JSON report (then to stderr too)."""
    def forward(stream: str, data: bytes) -> None:
        target = sys.stderr if stream == "stderr" or stdout_taken else sys.stdout
        if target is not None:
            target.flush()
            target.buffer.write(data)
            target.buffer.flush()
    return forward


class _Streaming(Hooks):
    """Init's output streamed, without the signal guard (a caller outside the main thread)."""

    def __init__(self, forward) -> None:
        self.forward = forward

    def output(self, stream: str, data: bytes) -> None:
        self.forward(stream, data)


def _spinner(text: str):
    """Rich's spinner on stderr when it is a terminal; otherwise nothing (and Rich is not imported)."""
    if sys.stderr.isatty() and not os.environ.get("CI"):
        from rich.console import Console
        return Console(stderr=True).status(text)
    return contextlib.nullcontext()
