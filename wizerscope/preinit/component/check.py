"""Every reason a component cannot be pre-initialized, as structured :class:`Rejection` records.

The reference's component rules with its exact messages, applied at every nesting level, plus the
core checks (:func:`~wizerscope.preinit.check.check_module`, ``top_level=False``) for every core
module. Nested components that contain core modules are supported (the reference rejects them)
as long as each definition with state is instantiated at most once.
"""
from __future__ import annotations

from ...binary.component import Component
from ...errors import Rejection, WizerscopeError
from ..runtime import engines
from ..check import check_module
from .specialise import blocker
from .structure import ACCESS_EXPORT, has_state

_KIND_WORD = {"core module": "module", "component": "component", "value": "value"}
_UNSUPPORTED_HINT = {
    "module": "core modules can only be defined inside the component (not imported, exported or "
              "aliased); link them into the component instead",
    "component": "components can only be defined and instantiated inside the component (not imported, "
                 "exported or aliased); compose them first (e.g. with `wac plug`)",
    "value": "component values are not supported by the runtime either; remove them",
}


def _extern_rules(c: Component, out: list[Rejection]) -> None:
    for e in c.exports:
        if e.name == ACCESS_EXPORT:
            out.append(Rejection(
                "reserved-export-name", f"the component already exports `{ACCESS_EXPORT}`",
                item=f"export {e.name!r} ({e.sort})", offset=e.offset, path=c.path,
                hint="that name is reserved for the pre-initializer's state accessors (is this an "
                     "instrumented component?); rename the export"))
    for what, entries in (("imports", c.imports), ("exports", c.exports)):
        for e in entries:
            word = _KIND_WORD.get(e.sort)
            if word:
                out.append(Rejection(
                    f"{word}-{what[:-1]}", f"wizer does not currently support {word} {what}",
                    item=f"{what[:-1]} {e.name!r} ({e.sort})", offset=e.offset, path=c.path,
                    hint=_UNSUPPORTED_HINT[word]))
    for a in c.aliases:
        word = _KIND_WORD.get(a.sort)
        if word:
            what = f"outer alias {a.instance} {a.name}" if a.target == "outer" else \
                f"alias of export {a.name!r} of instance {a.instance}"
            out.append(Rejection(
                f"{word}-alias", f"wizer does not currently support {word} aliases",
                item=f"{what} ({a.sort})", offset=a.offset, path=c.path, hint=_UNSUPPORTED_HINT[word]))
    for off in c.starts:
        out.append(Rejection(
            "component-start", "wizer does not currently support component start functions",
            item="start section", offset=off, path=c.path,
            hint="a component start function runs at instantiation; call it from the init function "
                 "instead"))
    for off in c.values:
        out.append(Rejection(
            "value-section", "wizer does not currently support value imports", item="value section",
            offset=off, path=c.path, hint=_UNSUPPORTED_HINT["value"]))


def _instantiation_rules(c: Component, out: list[Rejection]) -> None:
    for i in range(len(c.modules)):
        insts = c.instantiations(i)
        why = blocker(c) if len(insts) > 1 else None    # None: a copy per instance (specialise.py)
        if why is not None:
            names = " and ".join(f"core instance {ci.index}" for ci in insts)
            out.append(Rejection(
                "module-instantiated-twice", "modules may be instantiated at most once",
                item=f"core module {i} (instantiated as {names})", offset=insts[1].offset, path=c.path,
                hint=f"each instance needs its own snapshot of the one definition, and {why}; give "
                     "every instance its own copy of the module, defined before the later modules"))
    for k, child in enumerate(c.components):
        insts = c.component_instantiations(k)
        why = blocker(c) if len(insts) > 1 and has_state(child) else None
        if why is not None:
            names = " and ".join(f"instance {ci.index}" for ci in insts)
            out.append(Rejection(
                "component-instantiated-twice",
                "a nested component with core modules may be instantiated at most once",
                item=f"component {k} (instantiated as {names})", offset=insts[1].offset, path=c.path,
                hint=f"both instances need their own snapshot of the one definition, and {why}; give "
                     "every instance its own copy of the nested component"))


def validation_rejections(c: Component) -> list[Rejection]:
    """Core validation of every module (wasmtime validates the component structure at compile)."""
    out = []
    for comp in c.walk():
        for i, m in enumerate(comp.modules):
            try:
                engines.validate(bytes(m.raw()))
            except WizerscopeError as e:
                # wasmtime counts from the module's first byte; the record gives the file's offset
                at = m.start + e.offset if e.offset is not None else m.start
                out.append(Rejection("validation", e.message, item=f"core module {i}", offset=at,
                                     path=comp.path, hint="fix the producer: wasmtime rejects this module "
                                     f"(its offsets count from the module's start, file offset {m.start:#x})"))
    return out


def check_component(c: Component) -> list[Rejection]:
    """All rejections of an already-validated component tree, outer levels first."""
    out: list[Rejection] = []
    for comp in c.walk():
        _extern_rules(comp, out)
        _instantiation_rules(comp, out)
        for i, m in enumerate(comp.modules):
            out.extend(check_module(m, top_level=False, path=comp.item_path(f"core module {i}")))
    return out
