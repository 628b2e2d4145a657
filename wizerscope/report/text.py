"""Reports said in words, for stderr and the inspector's log."""
from __future__ import annotations

from ..preinit.anatomy import Anatomy
from ..preinit.determinism import DeterminismResult
from ..preinit.outputdiff import StateDiff

SHOWN_RANGES = 10        # ranges listed per memory in a diff of two binaries


def _where(where: str) -> str:
    return f"{where}: " if where else ""


def _global_line(where: str, index: int, name: str | None, type_: str, a: str, b: str) -> str:
    label = f"global {index}" + (f" ${name}" if name else "")
    return f"  {_where(where)}{label} ({type_}): {a} vs {b}"


def _memory_line(where: str, memory: int, changed: int, count: int, noun: str, len_a: int, len_b: int,
                 *, grouped: bool) -> str:
    num = "{:,}" if grouped else "{}"
    size = "" if len_a == len_b else f", size {len_a} vs {len_b} bytes"
    return (f"  {_where(where)}memory {memory}: {num.format(changed)} bytes differ in "
            f"{num.format(count)} {noun}{'s' if count != 1 else ''}{size}")


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
        lines.append(_global_line(g.where, g.index, g.name, g.type, g.first, g.second) + _cause(d, g.cause))
    for m in d.memories:
        lines.append(_memory_line(m.where, m.memory, m.changed_bytes, m.run_count, "run", m.first_length,
                                  m.second_length, grouped=False))
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


def describe_state_diff(name_a: str, name_b: str, d: StateDiff) -> str:
    """``wizerscope diff`` in words: one line per global, memory and section that differ."""
    lines = [f"{name_a} and {name_b}: " + ("identical initial states" if d.identical else "initial states differ")]
    for w in d.modules_only_in_a:
        lines.append(f"  only in {name_a}: {w or 'the core module'}")
    for w in d.modules_only_in_b:
        lines.append(f"  only in {name_b}: {w or 'the core module'}")
    for g in d.globals:
        lines.append(_global_line(g.module, g.index, g.name, g.type, g.a, g.b))
    for m in d.memories:
        lines.append(_memory_line(m.module, m.memory, m.changed_bytes, m.range_count, "range", m.length_a, m.length_b,
                                  grouped=True))
        for r in m.ranges[:SHOWN_RANGES]:
            region = f" ({r.region})" if r.region else ""
            lines.append(f"    [{r.start:#x}, {r.end:#x}){region}")
        if m.range_count > SHOWN_RANGES:
            lines.append(f"    ... {m.range_count - SHOWN_RANGES:,} more")
    for s in d.sections:
        sizes = f"{'absent' if s.size_a is None else s.size_a} vs {'absent' if s.size_b is None else s.size_b} bytes"
        lines.append(f"  {_where(s.module)}section {s.section}: {sizes}"
                     + (" (same size, different content)" if s.size_a == s.size_b else ""))
    return "\n".join(lines)


def describe_anatomy(a: Anatomy, symbols: int = 5) -> list[str]:
    """One memory's snapshot by region kind, its largest variables and what its layout hides."""
    where = f"{a.module}: " if a.module else ""
    kinds = ", ".join(f"{k} {n:,}" for k, n in a.bytes_by_kind().items() if n) or "nothing"
    lines = [f"{where}memory {a.memory}: {a.snapshot_bytes:,} snapshot bytes: {kinds}"
             f" ({100 * a.unknown_share():.1f}% unknown)"]
    for s in a.symbols[:symbols]:
        lines.append(f"    {s.name}: {s.bytes:,} bytes in [{s.start:#x}, {s.end:#x})")
    lines.extend(f"    layout: {n}" for n in a.notes)
    return lines


def describe_sizes(sizes: dict, dead_stack_saved: int | None) -> str:
    """The output's size, gzipped, and how much of it the snapshot is."""
    line = (f"output {sizes['output']:,} bytes ({sizes['output_gzip']:,} gzipped), snapshot data "
            f"{sizes['snapshot']:,} bytes ({100 * sizes['snapshot_share']:.1f}% of the output)")
    if dead_stack_saved is not None:
        line += f"; --drop-dead-stack left out {dead_stack_saved:,} bytes"
    return line
