"""``wizerscope diff A B``: do two binaries start from the same state? Exit 0 when they do, 1 when
they differ, 2 on error, like ``diff``.

Compares globals, every memory's image from its data segments and the sections (see
:mod:`wizerscope.preinit.outputdiff`); ``--json`` prints the report with ``"identical"``.
"""
from __future__ import annotations

import argparse

from ..errors import WizerscopeError
from ..preinit.files import read_input
from ..preinit.outputdiff import StateDiff, diff_states
from ..report.json import dumps
from ..report.model import DiffReport

SHOWN = 10               # ranges printed per memory in the text form


def add_parser(sub) -> None:
    p = sub.add_parser("diff", help="compare the initial states of two binaries (exit 0 same, 1 differ, 2 error)")
    p.add_argument("a", help="first .wasm or .wat (e.g. an output)")
    p.add_argument("b", help="second .wasm or .wat (another output, or the input)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_diff(a: argparse.Namespace) -> int:
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
        print(describe(a.a, a.b, diff))
    return 0 if diff.identical else 1


def _where(module: str) -> str:
    return f"{module}: " if module else ""


def describe(name_a: str, name_b: str, d: StateDiff) -> str:
    """The differences in words, one line per global, memory and section."""
    lines = [f"{name_a} and {name_b}: " + ("identical initial states" if d.identical else "initial states differ")]
    for w in d.modules_only_in_a:
        lines.append(f"  only in {name_a}: {w or 'the core module'}")
    for w in d.modules_only_in_b:
        lines.append(f"  only in {name_b}: {w or 'the core module'}")
    for g in d.globals:
        label = f"global {g.index}" + (f" ${g.name}" if g.name else "")
        lines.append(f"  {_where(g.module)}{label} ({g.type}): {g.a} vs {g.b}")
    for m in d.memories:
        size = "" if m.length_a == m.length_b else f", size {m.length_a} vs {m.length_b} bytes"
        lines.append(f"  {_where(m.module)}memory {m.memory}: {m.changed_bytes:,} bytes differ in "
                     f"{m.range_count:,} range{'s' if m.range_count != 1 else ''}{size}")
        for r in m.ranges[:SHOWN]:
            region = f" ({r.region})" if r.region else ""
            lines.append(f"    [{r.start:#x}, {r.end:#x}){region}")
        if m.range_count > SHOWN:
            lines.append(f"    ... {m.range_count - SHOWN:,} more")
    for s in d.sections:
        sizes = f"{'absent' if s.size_a is None else s.size_a} vs {'absent' if s.size_b is None else s.size_b} bytes"
        lines.append(f"  {_where(s.module)}section {s.section}: {sizes}"
                     + (" (same size, different content)" if s.size_a == s.size_b else ""))
    return "\n".join(lines)
