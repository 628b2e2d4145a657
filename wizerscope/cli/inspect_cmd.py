"""``wizerscope inspect FILE [--json] [-f INIT]``: the inspector's model, printed headless.

For CI and for people without a TUI: structure, globals, memories, init candidates and rejections
of one input, read from the same :class:`~wizerscope.inspector.session.Session` the TUI shows. ``--json``
never imports Rich or Textual. Exit status 1 when the input is rejected, so CI can gate on it.
"""
from __future__ import annotations

import argparse
import sys

from ..errors import shorten
from ..inspector.session import Session
from ..inspector.tree import TreeNode

SHOWN_CHILDREN = 25      # entries per tree node in the Rich report (the JSON has them all)


def run_inspect(args: argparse.Namespace) -> int:
    s = Session.open(args.input)
    if getattr(args, "init_func", None):
        s.options.init_func = args.init_func
    if args.json:
        from ..inspector.report import inspection_report
        from ..report.json import dumps
        sys.stdout.write(dumps(inspection_report(s)) + "\n")
    else:
        print_report(s)
    return 1 if s.rejections else 0


def print_report(s: Session, console=None) -> None:
    """The Rich report: the tree, the candidates, globals and memories, the gaps, the rejections."""
    from rich.console import Console
    console = console or Console()
    console.print(_tree(s))
    for table in (_candidates(s), _globals(s), _memories(s)):
        console.print(table)
    _print_gaps(console, s)
    _print_rejections(console, s)


def _table(title: str, *columns: str):
    from rich.table import Table
    t = Table(title=title, title_justify="left")
    for col in columns:
        t.add_column(col)
    return t


def _tree(s: Session):
    from rich.markup import escape as e
    from rich.tree import Tree

    def add(tree: Tree, node: TreeNode) -> None:
        for c in node.children[:SHOWN_CHILDREN]:
            add(tree.add(e(c.label)), c)
        if len(node.children) > SHOWN_CHILDREN:
            tree.add(f"[dim]... {len(node.children) - SHOWN_CHILDREN} more (see --json)[/]")
    root = s.structure()
    tree = Tree(f"[bold]{e(root.label)}[/]")
    add(tree, root)
    return tree


def _candidates(s: Session):
    from rich.markup import escape as e
    t = _table(f"Init candidates (selected: {e(s.options.init_func)})", "export", "kind", "type", "usable", "why")
    for c in s.candidates():
        mark = "[green]yes[/]" if c.usable else "[red]no[/]"
        shown = e(shorten(c.name))
        name = f"[bold]{shown}[/]" if c.name == s.options.init_func else shown
        t.add_row(name, c.kind, e(c.signature), mark, e(c.reason))
    return t


def _globals(s: Session):
    from rich.markup import escape as e
    t = _table("Globals", "module", "index", "name", "type", "mutable", "initializer")
    for g in s.global_rows():
        t.add_row(e(g.where or s.name), str(g.index), e(shorten(g.name or "")), g.type, "yes" if g.mutable else "no", e(g.init))
    return t


def _memories(s: Session):
    from rich.markup import escape as e
    t = _table("Memories", "module", "index", "type", "page size", "64-bit", "shared", "data segments")
    for m in s.memory_rows():
        segs = ", ".join(f"{d.index}:{d.mode}@{d.offset or '-'}+{d.length}" for d in m.segments[:6])
        if len(m.segments) > 6:
            segs += f" ... ({len(m.segments)})"
        t.add_row(e(m.where or s.name), str(m.index), e(m.type), str(m.page_size), str(m.memory64), str(m.shared), segs)
    return t


def _print_gaps(console, s: Session) -> None:
    from rich.markup import escape as e
    gaps = s.reference_gaps()
    if gaps:
        console.print(f"[bold yellow]{len(gaps)} place(s) where `wasmtime wizer` would refuse, crash on or "
                      "break this input (wizerscope handles them):[/]")
    for g in gaps:
        at = f" at {g.offset:#x}" if g.offset is not None else ""
        console.print(f"[yellow]{g.rule}[/] {e(f'[{g.item}{at}]')}: wasmtime wizer {e(g.reference)}; "
                      f"wizerscope {e(g.handled)}")


def _print_rejections(console, s: Session) -> None:
    from rich.markup import escape as e
    if not s.rejections:
        console.print("[green]No rejections:[/] this input can be pre-initialized.")
        return
    console.print(f"[bold red]{len(s.rejections)} rejection(s):[/]")
    for r in s.rejections:
        console.print(f"[red]{r.rule}[/]: {e(r.message)}")
        if r.path or r.item:
            console.print(f"  item: {e(' / '.join(p for p in (r.path, r.item) if p))}")
        if r.offset is not None:
            console.print(f"  at byte offset {r.offset:#x}:")
            for off, chunk in s.hex_context(r.offset):
                cells = " ".join(f"[reverse]{b:02x}[/]" if off + i == r.offset else f"{b:02x}"
                                 for i, b in enumerate(chunk))
                console.print(f"    {off:08x}  {cells}")
        if r.hint:
            console.print(f"  [yellow]hint:[/] {e(r.hint)}")
