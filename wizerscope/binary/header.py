"""The 8-byte preamble of every Wasm binary: the magic bytes ``\\0asm`` and a version/layer word.

The word tells a core module (version 1, layer 0) from a component (version 0xd, layer 1), so the
same check decides what a file is and guards both parsers. Its messages differ by caller because
each says what was expected: sniffing a file, reading a core module (perhaps one embedded in a
component's core module section), or reading a component.
"""
from __future__ import annotations

from ..errors import BinaryFormatError

MAGIC = b"\0asm"
MODULE_VERSION = b"\x01\x00\x00\x00"
COMPONENT_VERSION = b"\x0d\x00\x01\x00"
_KINDS = {MODULE_VERSION: "module", COMPONENT_VERSION: "component"}
_SPELLED = {"module": "core module", "component": "component"}


def check_header(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None,
                 expect: str | None = None) -> str:
    """'module' or 'component', from the preamble at ``data[start:]``; raise if it is neither, or
    not ``expect`` (when given). Offsets in errors are file offsets."""
    end = len(data) if end is None else end
    head = bytes(data[start:min(end, start + 8)])
    if head[:4] != MAGIC or (len(head) < 8 and expect != "module"):
        raise _not_wasm(head, start, expect)
    if len(head) < 8:   # the magic is there, the version word is cut short: a short read
        raise BinaryFormatError(f"unexpected end: 4 bytes needed, {end - start - 4} available",
                                offset=start + 4)
    version = head[4:]
    kind = _KINDS.get(version)
    if kind is not None and expect is not None and kind != expect:
        raise BinaryFormatError(f"expected a {_SPELLED[expect]}, found a {_SPELLED[kind]}", offset=start + 4)
    if kind is None:
        what = "version" if expect == "module" else "version/layer"
        raise BinaryFormatError(f"unknown Wasm binary {what} {version.hex()}", offset=start + 4)
    return kind


def _not_wasm(head: bytes, start: int, expect: str | None) -> BinaryFormatError:
    """The error for a preamble without the magic bytes (or, for a sniffed file, a cut-off one)."""
    if expect is None:
        if len(head) < 8 and head[:4] == MAGIC[:len(head[:4])]:
            return BinaryFormatError("file is truncated inside the 8-byte Wasm header", offset=start + len(head))
        return BinaryFormatError(
            "not a WebAssembly binary: the file does not start with the magic bytes \\0asm", offset=start)
    if expect == "module" and start:    # embedded in a component: say where, and the likely cause
        return BinaryFormatError("a component's core module section does not hold a core module (no \\0asm "
                                 "magic); is this a core module with a component header?", offset=start)
    return BinaryFormatError("not a WebAssembly binary: missing \\0asm magic", offset=start)


def header_kind(data: bytes | bytearray | memoryview) -> str:
    """'module', 'component', or raise: what the 8-byte preamble says the file is."""
    return check_header(data)
