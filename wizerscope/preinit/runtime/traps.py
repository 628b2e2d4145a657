"""Reading a trap: the wasm backtrace as readable lines and the one-line reason.

wasmtime reports a trap as a multi-line text ("wasm backtrace:", "Caused by:", numbered causes)
and, for core frames, as frame objects. People need the innermost frames named after something
they recognise, deep recursion collapsed, and the reason in one line.
"""
from __future__ import annotations

import re

from ...binary.module import Module


def trap_backtrace(e: BaseException, module: Module | None = None) -> list[str]:
    """Wasm frames of a trap, innermost first, as readable lines.

    Functions without a name in the name section are named after their export or import (the
    parser's ``func_name``), so a stripped module still shows `wizer-initialize` rather than
    `<wasm function 7>`. Runs of identical frames (deep recursion) collapse into one line with a
    count, so a stack overflow does not bury the frames that led into the recursion.
    """
    frames = getattr(e, "frames", None)
    if frames:
        lines = []
        for f in frames:
            name = f.func_name or (module.func_name(f.func_index) if module is not None else None) \
                or f"<wasm function {f.func_index}>"
            offset = f.module_offset
            where = f"{offset:#x}" if offset is not None and 0 <= offset < 1 << 32 else "??"
            lines.append(f"{where} - {f.module_name or '<module>'}!{name}")
        return collapse_repeats(lines)
    text = str(e)
    if "wasm backtrace:" in text:
        part = text.split("wasm backtrace:", 1)[1].split("Caused by:", 1)[0]
        return collapse_repeats([re.sub(r"^\s*\d+:\s*", "", ln).strip() for ln in part.splitlines()
                                 if ln.strip()])
    return []


def collapse_repeats(lines: list[str]) -> list[str]:
    """Replace runs of identical consecutive lines by the line and a count of the repeats."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1] == lines[i]:
            j += 1
        out.append(lines[i])
        if j > i:
            out.append(f"... the frame above repeated {j - i} more time{'s' if j - i > 1 else ''}")
        i = j + 1
    return out


def trap_reason(e: BaseException) -> str:
    """The trap line and its first detail, from wasmtime's multi-line error text."""
    text = str(e)
    if "Caused by:" in text:
        text = text.split("Caused by:", 1)[1]
    elif "wasm backtrace:" in text:
        text = text.split("wasm backtrace:", 1)[0]
    # "Caused by:" lists the chain as "0: ...", "1: ..."; keep the trap line and the detail
    lines = [re.sub(r"^\d+:\s*", "", ln.strip()) for ln in text.splitlines() if ln.strip()]
    traps = [ln for ln in lines if ln.startswith("wasm trap:")]
    if traps:
        details = [ln for ln in lines if ln not in traps]
        return traps[0] + (f" ({details[0]})" if details else "")
    return lines[0] if lines else type(e).__name__


_TEXT_FRAME = re.compile(r"^(0x[0-9a-fA-F]+) - (.*)!<wasm function (\d+)>(.*)$")


def name_frame(line: str, modules: list[tuple[str, Module]]) -> str:
    """One backtrace line with the function's name and its module's path, when exactly one of
    ``modules`` (path, module) has a defined function ``N`` whose body holds the frame's offset.
    wasmtime names component frames `<unknown>!<wasm function N>`, which says nothing."""
    m = _TEXT_FRAME.match(line)
    if m is None:
        return line
    offset, module_name, index, rest = int(m.group(1), 16), m.group(2), int(m.group(3)), m.group(4)
    hits = []
    for path, mod in modules:
        body = index - mod.num_imported_funcs
        if 0 <= body < len(mod.code_bodies):
            b0, b1 = mod.code_bodies[body]
            # component frames count from the component binary's start (measured); accept
            # module-relative offsets too, as core frames have them
            inside = b0 <= offset < b1 or b0 - mod.start <= offset < b1 - mod.start
            if inside and module_name in ("<unknown>", mod.names.module):
                hits.append((path, mod))
    if len(hits) != 1:
        return line
    path, mod = hits[0]
    name = mod.func_name(index) or f"<wasm function {index}>"
    return f"{m.group(1)} - {path}!{name}{rest}"
