"""``wizerscope init``: the headless pre-initializer with `wasmtime wizer`'s flags.

One pipeline for the input, then one of three jobs: ``--check`` (every rejection and the reference
gaps, nothing run), ``--check-determinism`` (init twice, compared), or the run itself (through the
same driver as the inspector), its output written atomically and, with ``--json``, its report.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ..errors import WizerscopeError
from ..preinit.choose import pipeline_for
from ..preinit.files import read_input, write_output
from ..report.json import dumps
from .args import options_from_args


def cmd_init(a: argparse.Namespace) -> int:
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
    pipeline = pipeline_for(wasm)
    if a.check:
        return _check(a, pipeline, opts)
    if a.check_determinism:
        from ..preinit.determinism import check_determinism
        from ..report.build import determinism_report
        from ..report.text import describe_determinism
        result = check_determinism(pipeline, opts)
        print(dumps(determinism_report(result)) if a.json else describe_determinism(result))
        return 0 if result.deterministic else 2
    from ..preinit.pipeline import drive
    with _spinner(f"pre-initializing {pipeline.kind}"):
        run = drive(pipeline, opts)
    _echo_init_output(run.init, output == "-" or a.json)
    for note in run.init.notes:
        print(note if note.startswith("warning:") else f"note: {note}", file=sys.stderr)
    write_output(output, run.output)
    if run.init.results:
        shown = ", ".join(str(v) for v in run.init.results)
        print(f"init returned: {shown}", file=sys.stderr if (output == "-" or a.json) else sys.stdout)
    startup = _measure_startup(a, pipeline, run, opts)
    if a.json:
        from ..report.build import run_report
        print(dumps(run_report(run, len(wasm), pipeline.reference_gaps(opts), startup)))
    else:
        _describe_run(a, run, len(wasm), startup, sys.stderr if output == "-" else sys.stdout)
    return 0


def _measure_startup(a: argparse.Namespace, pipeline, run, opts):
    """``--measure-startup [N]``: the input with its init against the output, N starts each."""
    if a.measure_startup is None:
        return None
    from ..preinit.startup import measure_startup
    with _spinner("measuring start-up"):
        return measure_startup(pipeline, pipeline_for(run.output), opts, [(ur.unit, ur.after) for ur in run.units],
                               a.measure_startup)


def _describe_run(a: argparse.Namespace, run, input_size: int, startup, stream) -> None:
    """The text lines --anatomy, --drop-dead-stack and --measure-startup ask for."""
    from ..report.build import run_anatomy, sizes
    from ..report.text import describe_anatomy, describe_sizes
    if a.anatomy:
        for anatomy in run_anatomy(run):
            print("\n".join(describe_anatomy(anatomy)), file=stream)
    if a.anatomy or run.dead_stack_saved is not None:
        print(describe_sizes(sizes(run, input_size), run.dead_stack_saved), file=stream)
    if startup is not None:
        print(startup.describe(), file=stream)


def _check(a: argparse.Namespace, pipeline, opts) -> int:
    """``--check``: every rejection and every reference gap, nothing run; exit 1 when rejected."""
    rejections = pipeline.rejections()
    gaps = pipeline.reference_gaps(opts)
    if a.json:
        from ..report.model import CheckReport, RejectionReport
        print(dumps(CheckReport(a.input, pipeline.kind,
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


def _echo_init_output(init, stdout_taken: bool) -> None:
    """Forward what init printed; never into a binary or a JSON report on stdout."""
    out_stream = sys.stderr if stdout_taken else sys.stdout
    if init.stdout:
        out_stream.buffer.write(init.stdout)
        out_stream.flush()
    if init.stderr:
        sys.stderr.buffer.write(init.stderr)
        sys.stderr.flush()


def _spinner(text: str):
    """Rich's spinner on stderr when it is a terminal; otherwise nothing (and Rich is not imported)."""
    if sys.stderr.isatty() and not os.environ.get("CI"):
        from rich.console import Console
        return Console(stderr=True).status(text)
    return contextlib.nullcontext()
