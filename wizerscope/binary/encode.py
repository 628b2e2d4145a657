"""Encoders for Wasm's primitive encodings; the inverse of :mod:`reader`."""
from __future__ import annotations

from typing import Callable


def uleb(value: int) -> bytes:
    """Unsigned LEB128, in the fewest bytes (how every encoder writes it)."""
    if value < 0x80:
        if value < 0:
            raise ValueError("unsigned LEB128 of a negative number")
        return bytes((value,))
    if value < 0x4000:          # the next most common length (a snapshot writes 10,000 of them)
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(value: int) -> bytes:
    """Signed LEB128, in the fewest bytes."""
    if value >= 0:              # no sign to carry: seven bits a byte until bit 6 of the last is clear
        if value < 0x40:
            return bytes((value,))
        out = bytearray()
        while value >= 0x40:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)
        return bytes(out)
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def name(text: str) -> bytes:
    """A name: its UTF-8 length, then the bytes."""
    raw = text.encode("utf-8")
    return uleb(len(raw)) + raw


def vec(items: list[bytes]) -> bytes:
    """A vector of already-encoded items: the count, then the items."""
    return uleb(len(items)) + b"".join(items)


def section(section_id: int, payload: bytes | bytearray | memoryview) -> bytes:
    """A framed section: id byte, payload size, payload (core and component alike)."""
    return bytes((section_id,)) + uleb(len(payload)) + bytes(payload)


def signed32(value: int) -> int:
    """Interpret an unsigned 32-bit pattern as the signed value ``i32.const`` encodes."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def signed64(value: int) -> int:
    """Interpret an unsigned 64-bit pattern as the signed value ``i64.const`` encodes."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & 0x8000000000000000 else value


class LazyJoin:
    """A binary kept as the pieces it is made of (views into the input, new sections) and joined
    on first use: a rewritten or instrumented binary that nobody turns out to need (the compiled
    code of an instrumented input found in the code store) is never copied whole. Given a
    function instead of pieces, even the pieces are made only on first use."""

    __slots__ = ("_parts", "_make", "_joined")

    def __init__(self, parts: list[bytes | memoryview] | Callable[[], list[bytes | memoryview]]) -> None:
        self._make = parts if callable(parts) else None
        self._parts: list[bytes | memoryview] | None = None if callable(parts) else parts
        self._joined: bytes | None = None

    @property
    def parts(self) -> list[bytes | memoryview] | None:
        """The pieces, until the first join (a caller that builds a bigger binary from them
        splices them in instead of copying the joined whole once more); then None."""
        if self._make is not None:
            self._parts, self._make = self._make(), None
        return self._parts

    def size(self) -> int:
        """The binary's length, without joining it."""
        if self._joined is not None:
            return len(self._joined)
        return sum(p.nbytes if isinstance(p, memoryview) else len(p) for p in self.parts)

    def join(self) -> bytes:
        if self._joined is None:
            self._joined = b"".join(self.parts)
            self._parts = None
        return self._joined


def binary_size(binary: bytes | LazyJoin) -> int:
    """The length of a binary that may still be in pieces."""
    return binary.size() if isinstance(binary, LazyJoin) else len(binary)


def binary_bytes(binary: bytes | LazyJoin) -> bytes:
    """A binary that may still be in pieces, as bytes (joined now if it is)."""
    return binary.join() if isinstance(binary, LazyJoin) else binary
