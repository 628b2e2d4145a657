"""Section framing, which core modules and components share: an id byte, a u32 payload size, the
payload. Both parsers frame their sections here and keep each as a :class:`Section`, a view into
the input, so a section nothing changes is re-emitted byte for byte from ``raw(data)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..errors import shorten
from .reader import Reader

# Section kinds by id: the same framing, two id spaces (types.CUSTOM..TAG for core modules,
# component.C_CUSTOM..C_VALUE for components). Id 0 is a custom section in both.
_KINDS = {
    "core": ("custom", "type", "import", "function", "table", "memory", "global", "export", "start",
             "element", "code", "data", "datacount", "tag"),
    "component": ("custom", "core module", "core instance", "core type", "component", "instance", "alias",
                  "type", "canon", "start", "import", "export", "value"),
}


@dataclass(frozen=True)
class Section:
    """A section as it stands in the file; ``payload`` is a view, never a copy. ``layer`` ("core"
    or "component") says which id space ``id`` is in, for :attr:`kind`."""

    id: int
    offset: int                # of the section id byte
    payload_offset: int        # of the first payload byte
    payload: memoryview
    custom_name: str | None = None
    layer: str = "core"

    @property
    def kind(self) -> str:
        """The section's name as tables and messages print it, e.g. "code" or "custom 'name'"."""
        if self.id == 0:
            return f"custom {shorten(self.custom_name or '')!r}"
        kinds = _KINDS[self.layer]
        return kinds[self.id] if self.id < len(kinds) else f"unknown {self.id}"

    @property
    def size(self) -> int:
        """Bytes the whole section takes in the file, id and size included."""
        return self.payload_offset - self.offset + len(self.payload)

    @property
    def end(self) -> int:
        """File offset just past the payload."""
        return self.payload_offset + len(self.payload)

    def raw(self, data: memoryview) -> memoryview:
        """The section's bytes, framing included, as a view into ``data`` (the whole file)."""
        return data[self.offset:self.end]


def frames(r: Reader, layer: str) -> Iterator[tuple[Section, Reader]]:
    """Every section from ``r``'s position to its end, each with a reader over its payload (past
    the name, for a custom section). A size larger than what is left is an error at the size."""
    data, base = r.data, r.base
    while not r.at_end():
        at = r.pos
        sid = r.u8()
        size = r.u32()
        payload_at = r.pos
        sr = r.sub(size)
        custom = sr.name() if sid == 0 else None
        yield Section(sid, base + at, base + payload_at, data[payload_at:sr.end], custom, layer), sr
