"""Reports said in words, for stderr and the inspector's log."""
from __future__ import annotations

from ..preinit.determinism import DeterminismResult


def _where(where: str) -> str:
    return f"{where}: " if where else ""


def describe_determinism(d: DeterminismResult) -> str:
    """What differed between the two runs, one line per global and memory, a few byte runs each."""
    if d.deterministic:
        return (f"deterministic: two runs of `{d.init_func}` in fresh instances left identical "
                f"globals and memories ({d.units} module instance{'s' if d.units != 1 else ''} compared)")
    lines = [f"NOT deterministic: two runs of `{d.init_func}` in fresh instances differ. The "
             "snapshot freezes whatever this run saw (clocks, randomness, environment)."]
    if d.results[0] != d.results[1]:
        lines.append(f"  init results: {d.results[0]} vs {d.results[1]}")
    for g in d.globals:
        label = f"global {g.index}" + (f" ${g.name}" if g.name else "")
        lines.append(f"  {_where(g.where)}{label} ({g.type}): {g.first} vs {g.second}")
    for m in d.memories:
        size = "" if m.first_length == m.second_length else f", size {m.first_length} vs {m.second_length} bytes"
        lines.append(f"  {_where(m.where)}memory {m.memory}: {m.changed_bytes} bytes differ in "
                     f"{m.run_count} run{'s' if m.run_count != 1 else ''}{size}")
        for (s, e), (a, b) in zip(m.runs, m.samples):
            lines.append(f"    [{s:#x}, {e:#x}): {a} vs {b}")
        if m.run_count > len(m.runs):
            lines.append(f"    ... {m.run_count - len(m.runs)} more runs")
    return "\n".join(lines)
