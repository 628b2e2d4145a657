"""What the Anatomy view shows: each snapshotted memory's regions as shares of its snapshot, the
variables inside a region, a proportional bar, and which region a byte of the hex diff is in.
Built from the report layer's anatomy of the session's last run (preinit/anatomy.py)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..preinit.anatomy import Anatomy, Region

BAR_KINDS = ("static", "bss", "stack-live", "stack-dead", "heap", "unknown")


@dataclass(frozen=True)
class RegionRow:
    kind: str
    name: str
    start: int
    end: int
    bytes: int
    share: float               # of the memory's snapshot bytes


@dataclass(frozen=True)
class SymbolRow:
    name: str
    start: int
    end: int
    bytes: int


def title(a: Anatomy) -> str:
    where = f"{a.module} / " if a.module else ""
    return f"{where}memory {a.memory}: {a.snapshot_bytes:,} snapshot bytes, {100 * a.unknown_share():.1f}% unknown"


def region_rows(a: Anatomy) -> list[RegionRow]:
    total = a.snapshot_bytes or 1
    return [RegionRow(r.kind, r.name or "", r.start, r.end, r.bytes, r.bytes / total) for r in a.regions]


def symbol_rows(a: Anatomy, region: RegionRow | None = None) -> list[SymbolRow]:
    """The variables by snapshot bytes; with ``region``, only those that start inside it."""
    return [SymbolRow(s.name, s.start, s.end, s.bytes) for s in a.symbols
            if region is None or region.start <= s.start < region.end]


def bar(a: Anatomy, width: int) -> list[tuple[str, int]]:
    """(kind, cells) for a bar of ``width`` cells: each kind's share of the snapshot bytes, every
    kind with any bytes at least one cell wide."""
    by_kind = a.bytes_by_kind()
    total = sum(by_kind.values())
    if not total or width <= 0:
        return []
    cells = [(k, max(1, round(width * by_kind[k] / total))) for k in BAR_KINDS if by_kind.get(k)]
    excess = sum(n for _, n in cells) - width
    if excess > 0:                       # take the rounding back from the widest
        i = max(range(len(cells)), key=lambda j: cells[j][1])
        cells[i] = (cells[i][0], max(1, cells[i][1] - excess))
    return cells


class RegionIndex:
    """Which region an offset is in (the hex diff colours each byte by it)."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = sorted(regions, key=lambda r: r.start)
        self.starts = [r.start for r in self.regions]

    def kind_at(self, offset: int) -> str | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.regions[i].end:
            return self.regions[i].kind
        return None


def find(anatomies: list[Anatomy], where: str, memory: int) -> Anatomy | None:
    """The anatomy of the memory the diff view names ``where`` / ``memory``."""
    return next((a for a in anatomies if a.module == where and a.memory == memory), None)
