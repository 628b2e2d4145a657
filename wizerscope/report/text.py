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
             "snapshot freezes whatever this run saw (clocks, randomness, environment); --deterministic fixes them."]
    if d.results[0] != d.results[1]:
        lines.append(f"  init results: {d.results[0]} vs {d.results[1]}")
    for g in d.globals:
        label = f"global {g.index}" + (f" ${g.name}" if g.name else "")
        lines.append(f"  {_where(g.where)}{label} ({g.type}): {g.first} vs {g.second}{_cause(d, g.cause)}")
    for m in d.memories:
        size = "" if m.first_length == m.second_length else f", size {m.first_length} vs {m.second_length} bytes"
        lines.append(f"  {_where(m.where)}memory {m.memory}: {m.changed_bytes} bytes differ in "
                     f"{m.run_count} run{'s' if m.run_count != 1 else ''}{size}")
        if d.interventions:
            lines.append("    causes: " + ", ".join(f"{c} {n} bytes" for c, n in m.bytes_by_cause.items()))
        for r, (a, b) in zip(m.runs, m.samples):
            lines.append(f"    [{r.start:#x}, {r.end:#x}): {a} vs {b}{_cause(d, r.cause)}")
        if m.run_count > len(m.runs):
            lines.append(f"    ... more runs (the first {len(m.runs)} pieces shown)")
    lines.append(_attribution(d))
    return "\n".join(lines)


def _cause(d: DeterminismResult, cause: str) -> str:
    return f"  [{cause}]" if d.interventions else ""


def _attribution(d: DeterminismResult) -> str:
    """How the causes were found, or why they were not."""
    if d.interventions:
        total = sum(d.bytes_by_cause().values())
        known = total - d.bytes_by_cause().get("unknown", 0)
        share = f"{100 * known / total:.1f}%" if total else "all"
        return (f"  causes found by varying one source at a time under --deterministic ({', '.join(d.interventions)}):"
                f" {share} of the differing bytes attributed")
    if d.options.deterministic:
        return "  causes: unknown (under --deterministic the clocks, randomness and environment were already fixed)"
    if not d.options.wasi:
        return "  causes: unknown (without WASI init has no clocks, randomness or environment to read)"
    return ""
