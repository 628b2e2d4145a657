"""Two binaries side by side as the initial states they start from (the inspector's compare view).

The same comparison as ``wizerscope diff A B`` (:mod:`wizerscope.preinit.outputdiff`), kept as
rows a person can browse: the globals and sections that differ, and every memory as a byte diff
the hex view draws window by window. Typical pairs: this session's output against the reference's
output for the same input, two outputs of one input (is the snapshot reproducible?), or an input
against its output (what did init change?).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..preinit.files import read_input
from ..preinit.outputdiff import StateDiff, diff_states, image_diffs
from ..preinit.statediff import MemoryDiff


@dataclass
class Comparison:
    """Binary ``a`` (shown as "before", left of the arrow) against binary ``b``."""

    name_a: str
    name_b: str
    diff: StateDiff
    memories: list[MemoryDiff] = field(default_factory=list)

    @classmethod
    def of(cls, name_a: str, a: bytes, name_b: str, b: bytes) -> "Comparison":
        """Compare two binaries already in memory (e.g. a run's output against a file)."""
        return cls(name_a, name_b, diff_states(a, b), image_diffs(a, b))

    @classmethod
    def files(cls, path_a: str, path_b: str) -> "Comparison":
        return cls.of(path_a, read_input(path_a), path_b, read_input(path_b))

    @property
    def identical(self) -> bool:
        return self.diff.identical

    def summary(self) -> str:
        """One sentence: identical or not, and how much differs."""
        d = self.diff
        if d.identical:
            extra = f"; {len(d.sections)} section(s) differ" if d.sections else ""
            return f"{self.name_a} and {self.name_b} start from identical states{extra}."
        changed = sum(m.changed_bytes for m in d.memories)
        parts = [f"{len(d.globals)} global(s)", f"{changed:,} memory byte(s) in {len(d.memories)} memory(ies)",
                 f"{len(d.sections)} section(s)"]
        only = len(d.modules_only_in_a) + len(d.modules_only_in_b)
        if only:
            parts.append(f"{only} module(s) in one binary only")
        return f"{self.name_a} and {self.name_b} start from different states: " + ", ".join(parts) + " differ."

    def section_rows(self) -> list[tuple[str, str, str, str]]:
        """(module, section, size in a, size in b) of every section that differs."""
        def size(n: int | None) -> str:
            return "absent" if n is None else f"{n:,}"
        return [(s.module or "(top)", s.section, size(s.size_a), size(s.size_b)) for s in self.diff.sections]

    def global_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(module, global, type, value in a, value in b) of every global that differs."""
        return [(g.module or "(module)", f"{g.index}" + (f" ${g.name}" if g.name else ""), g.type, g.a, g.b)
                for g in self.diff.globals]

