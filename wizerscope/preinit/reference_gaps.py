"""Where `wasmtime wizer` would refuse, crash on, or break this input while wizerscope handles it.

For toolchain authors asking why the reference refuses their component: the inspector shows these
next to wizerscope's own rejections. Each entry names the reference's behaviour (its exact message
where it has one; its crashes and the invalid outputs it writes, as measured with wasmtime 49) and
what wizerscope does instead. The input is read as it stands (before any specialisation); nothing
is compiled. The component gaps are in :mod:`wizerscope.preinit.component.reference_gaps`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..binary.module import Module
from .options import Options


@dataclass(frozen=True)
class ReferenceGap:
    """One thing the reference does wrong or refuses on this input, and what we do instead."""

    rule: str
    reference: str            # what `wasmtime wizer` does
    handled: str              # what wizerscope does instead
    item: str = ""
    path: str = ""
    offset: int | None = None


def module_gaps(m: Module, options: Options) -> list[ReferenceGap]:
    out = []
    if options.init_func == "_initialize" and m.export("_initialize") is not None:
        out.append(ReferenceGap(
            "initialize-called-twice", "the CLI calls `_initialize` twice (once as the WASI reactor "
            "initializer, once as the init function)", "calls it once", item="export `_initialize`",
            offset=m.export("_initialize").offset))
    return out
