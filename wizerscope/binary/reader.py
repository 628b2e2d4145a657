"""A byte reader over a memoryview that knows the absolute file offset of every byte.

Every error names the offset where decoding failed, so a person can find the bad byte with a hex
editor. Nothing here copies the input: slices are memoryviews into the original buffer.
"""
from __future__ import annotations

from ..errors import BinaryFormatError


# the longest name the validator accepts (wasmparser's MAX_WASM_STRING_SIZE)
MAX_NAME_BYTES = 100_000


class Reader:
    """Sequential decoder for Wasm's primitive encodings (LEB128, names, vectors)."""

    __slots__ = ("data", "pos", "end", "base")

    def __init__(self, data: bytes | bytearray | memoryview, base: int = 0,
                 start: int = 0, end: int | None = None) -> None:
        self.data = data if isinstance(data, memoryview) else memoryview(data)
        self.pos = start
        self.end = len(self.data) if end is None else end
        self.base = base  # absolute file offset of data[0]

    # -- positions -------------------------------------------------------------------------
    @property
    def offset(self) -> int:
        """Absolute file offset of the next byte."""
        return self.base + self.pos

    def at_end(self) -> bool:
        """Whether every byte up to ``end`` has been read."""
        return self.pos >= self.end

    def remaining(self) -> int:
        """Bytes left before ``end`` (what a size-mismatch error reports)."""
        return self.end - self.pos

    def error(self, message: str, at: int | None = None) -> BinaryFormatError:
        """An error at the file offset of position ``at`` (default: the next byte), for the caller
        to raise: the offset is what lets a person find the bad byte."""
        return BinaryFormatError(message, offset=self.base + (self.pos if at is None else at))

    def sub(self, length: int) -> "Reader":
        """A reader over the next ``length`` bytes; advances past them."""
        start = self.pos
        if length > self.end - start:
            raise self.error(f"unexpected end: {length} bytes declared, {self.end - start} available")
        self.pos = start + length
        return Reader(self.data, self.base, start, start + length)

    # -- primitives ------------------------------------------------------------------------
    def u8(self) -> int:
        """One byte."""
        if self.pos >= self.end:
            raise self.error("unexpected end of data")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def peek(self) -> int:
        """The next byte, not consumed (decoders that branch on a leading byte look first)."""
        if self.pos >= self.end:
            raise self.error("unexpected end of data")
        return self.data[self.pos]

    def bytes(self, n: int) -> memoryview:
        """The next ``n`` bytes as a view (no copy)."""
        if n < 0 or n > self.end - self.pos:
            raise self.error(f"unexpected end: {n} bytes needed, {self.end - self.pos} available")
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def skip(self, n: int) -> None:
        """Past the next ``n`` bytes, which must be there."""
        if n < 0 or n > self.end - self.pos:
            raise self.error(f"unexpected end: {n} bytes needed, {self.end - self.pos} available")
        self.pos += n

    def _leb(self, bits: int, signed: bool) -> int:
        """A LEB128 integer of at most ``bits`` bits. One loop for both signednesses: they differ
        only in how the last byte's unused bits are checked and whether the value is sign-extended,
        both settled once after the loop, so the loop tests nothing per byte for signedness."""
        data, pos, end = self.data, self.pos, self.end
        result = shift = 0
        start = pos
        max_bytes = (bits + 6) // 7
        while True:
            if pos >= end:
                raise self.error("unexpected end of data inside a LEB128 integer", start)
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if pos - start >= max_bytes:
                raise self.error(f"LEB128 integer too long for {'s' if signed else 'u'}{bits}", start)
        if pos - start == max_bytes and bits % 7:
            # a full-length encoding: the last byte's unused bits must be zero (unsigned) or
            # repeat the sign bit (signed)
            extra = bits % 7
            if signed:
                if (b & 0x7F) >> (extra - 1) not in (0, 0x7F >> (extra - 1)):
                    raise self.error(f"LEB128 integer too large for s{bits}", start)
            elif b >> extra:
                raise self.error(f"LEB128 integer too large for u{bits}", start)
        if signed and b & 0x40:
            result -= 1 << (shift + 7)
        self.pos = pos
        return result

    def u32(self) -> int:
        """An unsigned LEB128 of at most 32 bits (counts, indices, sizes)."""
        # most u32s (counts, indices, small sizes) are one byte: decode those inline
        data, pos = self.data, self.pos
        if pos < self.end:
            b = data[pos]
            if b < 0x80:
                self.pos = pos + 1
                return b
        return self._leb(32, False)

    def u64(self) -> int:
        """An unsigned LEB128 of at most 64 bits (memory64 sizes, memarg offsets)."""
        return self._leb(64, False)

    def s32(self) -> int:
        """A signed LEB128 of at most 32 bits (``i32.const``)."""
        return self._leb(32, True)

    def s33(self) -> int:
        """A signed 33-bit LEB128: how block types and heap types tell a type index (>= 0) from
        a one-byte type code (< 0)."""
        return self._leb(33, True)

    def s64(self) -> int:
        """A signed LEB128 of at most 64 bits (``i64.const``)."""
        return self._leb(64, True)

    def f32_bits(self) -> int:
        """A float's 4 bytes as their bit pattern (kept exact: no rounding through a float)."""
        return int.from_bytes(self.bytes(4), "little")

    def f64_bits(self) -> int:
        """A double's 8 bytes as their bit pattern."""
        return int.from_bytes(self.bytes(8), "little")

    def name(self) -> str:
        """A length-prefixed UTF-8 name; malformed UTF-8 is an error at the name's start, and so is
        a name longer than wasmparser's limit (checked before its bytes are decoded: an 8 MiB name
        would otherwise travel through every view that shows names)."""
        start = self.pos
        data = self.data
        if start < self.end and data[start] < 0x80:      # a name of < 128 bytes: decoded in place
            e = start + 1 + data[start]
            if e <= self.end:
                try:
                    text = str(data[start + 1:e], "utf-8")
                except UnicodeDecodeError:
                    raise self.error("malformed UTF-8 encoding in a name", start) from None
                self.pos = e
                return text
        n = self.u32()
        if n > MAX_NAME_BYTES:
            raise self.error(f"a name of {n:,} bytes: names are limited to {MAX_NAME_BYTES:,} bytes", start)
        raw = self.bytes(n)
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding in a name", start) from None

    def count(self, min_item_size: int = 1) -> int:
        """A vector length, checked against the bytes left so a huge count cannot allocate."""
        at = self.pos
        n = self.u32()
        if n * min_item_size > self.end - self.pos:
            raise self.error(f"declared count {n} does not fit in the {self.end - self.pos} bytes left", at)
        return n
