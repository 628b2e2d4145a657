"""``wizerscope diff A B``: do two binaries start from the same state? Exit 0 when they do, 1 when
they differ, 2 on error, like ``diff``.

Compares globals, every memory's image from its data segments and the sections (see
:mod:`wizerscope.preinit.outputdiff`); ``--json`` prints the report with ``"identical"``.
"""
from __future__ import annotations

import argparse

from ..errors import WizerscopeError


def add_parser(sub) -> None:
    p = sub.add_parser("diff", help="compare the initial states of two binaries (exit 0 same, 1 differ, 2 error)")
    p.add_argument("a", help="first .wasm or .wat (e.g. an output)")
    p.add_argument("b", help="second .wasm or .wat (another output, or the input)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_diff(a: argparse.Namespace) -> int:
    # imported here, not at the top: every command builds the parser, which imports this module,
    # and `init` should not pay for the diff's modules (~30 ms of a warm run)
    from ..preinit.files import read_input
    from ..preinit.outputdiff import diff_states
    from ..report.json import dumps
    from ..report.model import DiffReport
    from ..report.text import describe_state_diff
    from . import _fail
    try:
        diff = diff_states(read_input(a.a), read_input(a.b))
    except WizerscopeError as e:
        _fail(e)
        return 2
    if a.json:
        print(dumps(DiffReport(a.a, a.b, diff.identical, diff.kind_a, diff.kind_b, diff.globals, diff.memories,
                               diff.sections, diff.modules_only_in_a, diff.modules_only_in_b)))
    else:
        print(describe_state_diff(a.a, a.b, diff))
    return 0 if diff.identical else 1
