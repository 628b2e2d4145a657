"""The component init function: item names and WAVE calls, parsed.

``--init-func`` for a component is either an item name — ``name`` (searched across the exported
instances when it is not a top-level export, like ``wasmtime run --invoke``), or
``ns:pkg/iface.func@version`` — or a WAVE call such as ``pkg:x/api.add-string("hello")``. The
arguments are parsed untyped first, then converted against the function's parameter types into
the values wasmtime-py expects (records as ``Record``, variants as ``Variant``, flags as sets) by
:mod:`.wave_types`. The untyped values and their parser are :mod:`.wave_values`, imported only for
a call with arguments.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import InitError


@dataclass(frozen=True)
class InitSpec:
    """The parsed ``--init-func`` string."""

    text: str
    instance: str | None       # exported instance holding the function, None = top level or search
    func: str
    args: tuple | None         # untyped WAVE values; None = no call syntax


def parse_item_name(text: str) -> tuple[str | None, str]:
    """``name`` → (None, name); ``ns:pkg/iface.func@ver`` → ("ns:pkg/iface@ver", "func");
    ``inst.func`` → ("inst", "func")."""
    base, at, version = text.partition("@")
    if "/" in base:
        if "." not in base.split("/", 1)[1]:
            raise InitError(f"parsing `{text}` as wit item name: expected `ns:pkg/interface.function`",
                            hint="name a function inside an exported interface, e.g. "
                                 "`wasi:cli/run.run` or `my:pkg/api.init@0.1.0`")
        iface, func = base.rsplit(".", 1)
        return (iface + (at + version if at else "")), func
    if not at and base.count(".") == 1 and not any(ch in base for ch in ": "):
        # Beyond the reference: `instance.func` for an instance exported under a plain name
        # (componentize-py's `exports`); a kebab name never holds a dot, so this is unambiguous.
        inst, func = base.split(".")
        if inst and func:
            return inst, func
    if at or not base or any(ch in base for ch in ":. "):
        raise InitError(f"parsing `{text}` as wit item name",
                        hint="expected `name` or `ns:pkg/interface.function[@version]`")
    return None, base


def parse_init(text: str) -> InitSpec:
    """Split an item name or WAVE call into where the function is and its untyped arguments."""
    text = text.strip()
    if "(" not in text:
        inst, func = parse_item_name(text)
        return InitSpec(text, inst, func, None)
    name, rest = text.split("(", 1)
    if not rest.rstrip().endswith(")"):
        raise InitError(f"parsing `{text}` as wave function call: missing closing `)`")
    from .wave_values import parse_values       # a call's arguments only: most inits take none
    args = parse_values(rest.rstrip()[:-1], text)
    inst, func = parse_item_name(name.strip())
    return InitSpec(text, inst, func, tuple(args))
