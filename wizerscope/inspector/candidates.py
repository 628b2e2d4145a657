"""Which exports could be the init function, and why each can or cannot.

A person opening an input first asks "what do I run?": every export is listed with its type and
the reason it is not usable (a non-function, parameters, the reserved prefix), or a note (the WASI
reactor initializer, results that are shown and not kept, a WAVE call needed for arguments).
Component signatures are read off the binary's types, so nothing is compiled to show them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..binary.component import Component
from ..binary.component_types import func_signature, type_space
from ..binary.module import Module
from ..preinit.component.structure import ACCESS_EXPORT


@dataclass
class Candidate:
    """An export that could serve as init function, and why it can or cannot."""

    name: str
    kind: str
    signature: str
    usable: bool
    reason: str = ""
    default: bool = False


def candidates(model: Module | Component | None) -> list[Candidate]:
    """The init candidates of a parsed input (none when it could not be parsed)."""
    if isinstance(model, Module):
        return module_candidates(model)
    if isinstance(model, Component):
        return component_candidates(model)
    return []


def module_candidates(m: Module) -> list[Candidate]:
    out = []
    for e in m.exports:
        if e.kind != "func":
            out.append(Candidate(e.name, e.kind, "", False, f"a {e.kind}, not a function"))
            continue
        ft = m.func_type(e.index)
        sig = str(ft) if ft is not None else "?"
        if e.name.startswith("__wizer_"):
            out.append(Candidate(e.name, "func", sig, False, "the `__wizer_` prefix is reserved"))
        elif ft is not None and ft.params:
            out.append(Candidate(e.name, "func", sig, False, "takes parameters: init is called without arguments"))
        elif e.name == "_initialize":
            out.append(Candidate(e.name, "func", sig, True, "the WASI reactor initializer: it runs first anyway"))
        elif ft is not None and ft.results:
            out.append(Candidate(e.name, "func", sig, True, "returns results: shown after the run, not kept"))
        else:
            out.append(Candidate(e.name, "func", sig, True, "", default=e.name == "wizer-initialize"))
    return out


def component_candidates(c) -> list[Candidate]:
    space = type_space(c)
    out = []
    for e in c.exports:
        if e.name == ACCESS_EXPORT:
            continue
        if e.sort == "func":
            sig = func_signature(c, e.index, space)
            out.append(_component_func_candidate(e.name, sig))
        elif e.sort == "instance":
            iface, at, version = e.name.partition("@")
            funcs = _instance_funcs(c, e.target, space)
            if funcs is None:
                out.append(Candidate(e.name, "instance", "", False,
                                     f"an interface: name one of its functions, e.g. `{iface}.FUNC{at}{version}`"))
            for f, sig in funcs or ():
                out.append(_component_func_candidate(f"{iface}.{f}{at}{version}", sig))
        else:
            out.append(Candidate(e.name, e.sort, "", False, f"a {e.sort}, not a function"))
    return out


def _component_func_candidate(name: str, sig: str | None) -> Candidate:
    """A component function as init candidate; its signature when the binary's types tell it
    (wasmtime checks it anyway when the run starts)."""
    if sig is None:
        return Candidate(name, "func", "(at run)", True, "" if name == "wizer-initialize"
                         else "no params, or a WAVE call", default=name == "wizer-initialize")
    if not sig.startswith("func()"):
        return Candidate(name, "func", sig, True, "takes arguments: give them as a WAVE call, e.g. "
                         f"`{name.split('@')[0]}(...)`")
    note = "returns results: shown after the run" if "->" in sig else ""
    return Candidate(name, "func", sig, True, note, default=name == "wizer-initialize")


def _instance_funcs(c, index: int | None, space: list, depth: int = 0) -> list[tuple[str, str | None]] | None:
    """(name, signature) of the functions an instance of component ``c`` (types ``space``)
    exports, when they can be read off the binary (an export bundle, an instance of a nested
    component, or a re-export of either); None when only its type would tell (an imported
    instance)."""
    if index is None or depth > 64:
        return None
    inst = next((i for i in c.instances if i.index == index), None)
    if inst is None:
        return None
    if inst.kind == "exports":
        return [(name, func_signature(c, idx, space)) for name, sort, idx in inst.args if sort == "func"]
    if inst.kind == "instantiate" and inst.component is not None and inst.component < len(c.components):
        child = c.components[inst.component]
        child_space = type_space(child)
        return [(e.name, func_signature(child, e.index, child_space)) for e in child.exports if e.sort == "func"]
    if inst.kind == "export":
        ext = next((e for e in c.exports if e.sort == "instance" and e.index == index), None)
        return _instance_funcs(c, ext.target, space, depth + 1) if ext is not None else None
    return None
