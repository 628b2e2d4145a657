"""The segment plan's data: runs of non-zero bytes and what the planner made of them.

Kept apart from the planner (:mod:`~wizerscope.preinit.segments`) because the inspector, the
reports and the snapshot read these types while only a run plans: runs as parallel lists of ints
(:class:`RunArrays`) or as a scanner's pairs (:class:`FlatRuns`), and the :class:`SegmentPlan`,
whose big lists are built on first use.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Run:
    memory: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class CapMerge:
    """A merge the segment cap forced: the gap [gap_start, gap_end) became part of a segment."""

    memory: int
    gap_start: int
    gap_end: int

    @property
    def gap(self) -> int:
        return self.gap_end - self.gap_start


class FlatRuns:
    """One memory's runs as the scanner hands them over: one ``array("q")`` of (start, end)
    pairs, ascending. The two lists of ints the planner's general path works on are made only
    when something asks (componentize-py: 208k runs, ~15 ms)."""

    __slots__ = ("pairs", "_lists")

    def __init__(self, pairs: array) -> None:
        self.pairs = pairs
        self._lists: tuple[list[int], list[int]] | None = None

    def __len__(self) -> int:
        return len(self.pairs) // 2

    @property
    def lists(self) -> tuple[list[int], list[int]]:
        """(starts, ends)."""
        if self._lists is None:
            self._lists = (self.pairs[0::2].tolist(), self.pairs[1::2].tolist())
        return self._lists


class RunArrays:
    """Runs as three parallel lists of ints: tens of thousands of runs stay cheap to merge."""

    __slots__ = ("memory", "start", "end")

    def __init__(self, memory: list[int], start: list[int], end: list[int]) -> None:
        self.memory, self.start, self.end = memory, start, end

    @classmethod
    def empty(cls) -> "RunArrays":
        return cls([], [], [])

    @classmethod
    def from_runs(cls, runs: list[Run]) -> "RunArrays":
        return cls([r.memory for r in runs], [r.start for r in runs], [r.end for r in runs])

    def __len__(self) -> int:
        return len(self.start)

    def to_runs(self) -> list[Run]:
        return [Run(m, s, e) for m, s, e in zip(self.memory, self.start, self.end)]


Lazy = RunArrays | Callable[[], RunArrays]      # arrays, or what builds them on first use


class SegmentPlan:
    """All intermediate results, kept for the inspector: raw per-page runs (sorted), the runs after
    the gap <= 4 merge, the merges the segment cap forced, and the final segments. Stored as arrays;
    the list views (``runs``, ``merged``, ``final``, ``cap_merges``) are built on first use."""

    def __init__(self, raw: Lazy | None = None, merged: Lazy | None = None,
                 final: RunArrays | None = None, cap: Lazy | None = None) -> None:
        self._arrays: dict[str, Lazy] = {"raw": raw or RunArrays.empty(), "merged": merged or RunArrays.empty(),
                                         "cap": cap or RunArrays.empty()}
        self.final_arrays = final if final is not None else RunArrays.empty()
        self.merged_to_fit = 0      # further merges so the output stays within WASM_MAX_DATA_SEGMENTS
        self._lists: dict[str, list] = {}

    def _arrays_of(self, key: str) -> RunArrays:
        made = self._arrays[key]
        if callable(made):
            made = self._arrays[key] = made()
        return made

    @property
    def raw(self) -> RunArrays:
        return self._arrays_of("raw")

    @property
    def merged_arrays(self) -> RunArrays:
        return self._arrays_of("merged")

    @property
    def cap_arrays(self) -> RunArrays:
        """The merges the cap forced, as (memory, gap start, gap end). This, ``raw`` and
        ``merged_arrays`` may be built on first use: only reports and the inspector show them,
        and componentize-py's are 208k runs and 198k merges, lists of ints a plain run never needs."""
        return self._arrays_of("cap")

    def _list(self, key: str, make) -> list:
        if key not in self._lists:
            self._lists[key] = make()
        return self._lists[key]

    @property
    def runs(self) -> list[Run]:
        return self._list("runs", self.raw.to_runs)

    @property
    def merged(self) -> list[Run]:
        return self._list("merged", self.merged_arrays.to_runs)

    @property
    def final(self) -> list[Run]:
        return self._list("final", self.final_arrays.to_runs)

    @property
    def cap_merges(self) -> list[CapMerge]:
        return self._list("cap", lambda: [CapMerge(r.memory, r.start, r.end) for r in self.cap_arrays.to_runs()])
