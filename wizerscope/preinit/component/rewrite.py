"""Build the pre-initialized component from the original sections and the snapshots.

Every instantiated core module is rewritten by the core :func:`rewrite_module_lazily` (no renames,
``_initialize`` kept, as the reference does since its PR #12540: wit-component aliases
`_initialize` from a shim module); nested components holding such modules are rewritten
recursively into their own definitions; everything else is copied byte for byte. The accessor
plumbing of the instrumentation never appears: it was only appended to the instrumented copy.

Beyond the reference (bug #13168): a core export named like the init function is kept when the
component still refers to it (an ``alias core export`` or another module importing it), so the
output stays valid with and without ``--keep-init-func``. Removing the top-level component export
renumbers the component functions defined after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...binary import component_encode as ce
from ...binary.component import C_CANON, C_COMPONENT, C_CORE_MODULE, C_EXPORT, C_INSTANCE, Component
from ...binary.encode import LazyJoin, uleb
from ..options import Options
from ..rewrite import BodyFreeTwin, RewriteLog, rewrite_module_lazily
from ..snapshot import Snapshot


@dataclass
class ComponentRewriteLog:
    """What the component rewrite changed (for the inspector and --json)."""

    modules: dict[tuple[str, int], RewriteLog] = field(default_factory=dict)
    removed_exports: list[str] = field(default_factory=list)
    kept_core_exports: list[str] = field(default_factory=list)     # kept because still referenced
    renumbered_funcs_from: int | None = None


def init_export_referenced(c: Component, module_index: int, name: str) -> bool:
    """Does the component still use core export ``name`` of module ``module_index``'s instance?"""
    for ci in c.instantiations(module_index):
        for a in c.aliases:
            if a.target == "core export" and a.instance == ci.index and a.name == name:
                return True
        for other in c.core_instances:
            if other.kind != "instantiate" or other.module is None or other.module >= len(c.modules):
                continue               # (an unvalidated input, as the inspector may show)
            arg_names = {n for n, idx in other.args if idx == ci.index}
            if arg_names and any(imp.module in arg_names and imp.field == name
                                 for imp in c.modules[other.module].imports):
                return True
    return False


def _has_site(c: Component, snaps: dict) -> bool:
    return any(path == c.path or path.startswith(c.path + " / ") for path, _ in snaps)


# (label, the module as its pieces, its body-free twin or None)
OnModule = Callable[[str, LazyJoin, BodyFreeTwin | None], None]


def _rewrite_level(c: Component, snaps: dict[tuple[str, int], Snapshot], options: Options,
                   log: ComponentRewriteLog, root: bool, on_module: OnModule | None) -> list[bytes | memoryview]:
    """This level's output as pieces: rewritten modules and nested components are spliced in
    as theirs (one copy of every byte, in the final join)."""
    replaced: dict[int, bytes | list] = {}
    for mi, m in enumerate(c.modules):
        snap = snaps.get((c.path, mi))
        if snap is None:
            continue
        keep = options.keep_init_func
        if not keep and m.export(options.init_func) is not None \
                and init_export_referenced(c, mi, options.init_func):
            keep = True
            log.kept_core_exports.append(f"{c.item_path(f'core module {mi}')}: {options.init_func}")
        mlog = RewriteLog()
        out, proof = rewrite_module_lazily(m, snap, init_func=options.init_func, keep_init_func=keep,
                                           remove_initialize=False, log=mlog)
        log.modules[(c.path, mi)] = mlog
        if on_module is not None:
            on_module(c.item_path(f"core module {mi}"), out, proof)
        replaced[c.module_sections[mi]] = _section_parts(C_CORE_MODULE, out.parts or [out.join()])
    for child, si in zip(c.components, c.component_sections):
        if _has_site(child, snaps):
            replaced[si] = _section_parts(C_COMPONENT, _rewrite_level(child, snaps, options, log, False, on_module))
    if root and not options.keep_init_func:
        _remove_init_export(c, options.init_func, replaced, log)
    parts: list[bytes | memoryview] = [c.data[c.start:c.start + 8]]
    for si, sec in enumerate(c.sections):
        new = replaced.get(si)
        if new is None:
            parts.append(sec.raw(c.data))
        elif isinstance(new, list):
            parts.extend(new)
        else:
            parts.append(new)
    return parts


def _section_parts(section_id: int, payload: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """A section as its header and the payload's pieces: joined once at the end instead of
    copied per section."""
    return [bytes((section_id,)) + uleb(sum(map(len, payload))), *payload]


def _remove_init_export(c: Component, name: str, replaced: dict[int, bytes], log: ComponentRewriteLog) -> None:
    """Drop the top-level func export named ``name``; later func indices shift down by one."""
    victim = next((e for e in c.exports if e.name == name and e.sort == "func"), None)
    if victim is None:
        return
    removed, target = victim.index, victim.target

    def remap(i: int) -> int:
        if i == removed:
            return target
        return i - 1 if i > removed else i

    log.renumbered_funcs_from = removed
    started = False
    for si, sec in enumerate(c.sections):
        if not started:
            if sec.id == C_EXPORT and sec.offset <= victim.offset < sec.end:
                started = True
                replaced[si], dropped = ce.drop_exports(sec, {name}, remap)
                log.removed_exports.extend(dropped)
            continue
        if sec.id in (C_INSTANCE, C_CANON, C_EXPORT):
            replaced[si] = ce.renumber_section(sec, remap)


def rewrite_component(c: Component, snaps: dict[tuple[str, int], Snapshot], options: Options,
                      log: ComponentRewriteLog | None = None, *, on_module: OnModule | None = None) -> LazyJoin:
    """The pre-initialized component, as its pieces (joined on first use: a plain run writes
    them as they are); ``on_module(label, module, twin)`` sees every rewritten core module as its
    pieces and its body-free twin (None when it has none: rewrite.body_free_twin), which the
    pipeline validates there, without re-parsing the output."""
    log = log if log is not None else ComponentRewriteLog()
    return LazyJoin(_rewrite_level(c, snaps, options, log, True, on_module))
