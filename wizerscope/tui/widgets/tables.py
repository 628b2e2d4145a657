"""The table views: globals (before/after, changed rows highlighted), memories, segments,
instrumentation and the rewrite's changes. Each fills a DataTable from session rows."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...inspector.session import Session

CHANGED = "bold black on yellow"
MAX_ROWS = 10_000


def _fresh(table: DataTable, *columns: str) -> None:
    table.clear(columns=True)
    table.add_columns(*columns)


def cells(*values) -> list:
    """Plain strings as Text: names like `[i32] -> [i32]` or `$x[0]` must not be read as markup."""
    return [Text(v) if isinstance(v, str) else v for v in values]


def fill_globals(table: DataTable, s: Session) -> int:
    """Globals with their snapshot value next to the initializer; returns how many changed."""
    _fresh(table, "", "module", "index", "name", "type", "mut", "initializer", "before init", "after init")
    changed = 0
    for g in s.global_rows()[:MAX_ROWS]:
        style = CHANGED if g.changed else ""
        changed += g.changed
        mark = Text("●", style="bold yellow") if g.changed else Text(" ")
        table.add_row(*cells(mark, g.where or s.name, str(g.index), g.name or "", g.type, "mut" if g.mutable else "",
                      g.init, g.before if g.before is not None else "",
                      Text(g.after, style=style) if g.after is not None else ""), key=f"{g.where}/{g.index}")
    return changed


def _size(n: int | None) -> str:
    return "" if n is None else f"{n:,} B ({n // 65536} x 64 KiB)" if n % 65536 == 0 else f"{n:,} B"


def fill_memories(table: DataTable, segs: DataTable, s: Session) -> None:
    _fresh(table, "module", "index", "type", "min pages", "max pages", "page size", "64-bit", "shared",
           "size before init", "size after init")
    _fresh(segs, "module", "memory", "segment", "mode", "offset", "length")
    for m in s.memory_rows():
        grew = m.bytes_after is not None and m.bytes_before is not None and m.bytes_after != m.bytes_before
        table.add_row(*cells(m.where or s.name, str(m.index), m.type, str(m.minimum),
                      "none" if m.maximum is None else str(m.maximum), f"{m.page_size:,}", str(m.memory64),
                      str(m.shared), _size(m.bytes_before),
                      Text(_size(m.bytes_after), style=CHANGED if grew else "")))
        for d in m.segments[:MAX_ROWS]:
            segs.add_row(*cells(m.where or s.name, str(m.index), str(d.index), d.mode, d.offset, f"{d.length:,}"))


def fill_segments(table: DataTable, s: Session) -> None:
    _fresh(table, "module", "memory", "start", "end", "length", "raw runs", "gap bytes merged", "cap merges")
    for k, r in enumerate(s.segment_rows()[:MAX_ROWS]):
        table.add_row(*cells(r.where or s.name, str(r.memory), f"{r.start:#x}", f"{r.end:#x}", f"{r.length:,}",
                      str(r.raw_runs), f"{r.gap_bytes:,}",
                      Text(str(r.cap_merges), style=CHANGED) if r.cap_merges else "0"), key=str(k))


def fill_runs(table: DataTable, s: Session, row_index: int) -> None:
    """The raw non-zero runs inside one final segment, with the zero gaps the merge swallowed."""
    _fresh(table, "run start", "run end", "length", "gap before")
    rows = s.segment_rows()
    if not 0 <= row_index < len(rows):
        return
    for start, end, gap in s.raw_runs_in(rows[row_index])[:MAX_ROWS]:
        gap_text = "" if gap is None else Text(f"{gap:,}", style="yellow" if gap > 4 else "")
        table.add_row(*cells(f"{start:#x}", f"{end:#x}", f"{end - start:,}", gap_text))


def segment_summary(s: Session) -> str:
    t = s.segment_totals()
    if t.output_size is None:
        return "Run init (r) to see the data segments the snapshot produces."
    growth = (t.output_size - t.input_size) / t.input_size * 100 if t.input_size else 0.0
    return (f"non-zero runs {t.raw_runs:,}  ->  merged (gaps <= 4 bytes) {t.merged:,}  ->  "
            f"cap merges {t.cap_merges:,} (limit 10,000)  ->  segments {t.segments:,}\n"
            f"segment data {t.data_bytes:,} bytes; output {t.output_size:,} bytes vs input {t.input_size:,} "
            f"bytes ({growth:+.1f}%)")


def fill_instrumentation(exports: DataTable, accessors: DataTable, changes: DataTable, s: Session) -> None:
    _fresh(exports, "module", "export added", "exposes", "type")
    for row in s.instrumentation_rows()[:MAX_ROWS]:
        exports.add_row(*cells(*row))
    _fresh(accessors, "ordinal", "component", "core module", "core instance", "core export", "kind", "type",
           "WIT type", "wasmtime:wizer/access functions")
    for a in s.accessor_rows()[:MAX_ROWS]:
        funcs = ", ".join(f"{k}={v}" for k, v in a.funcs.items())
        accessors.add_row(*cells(str(a.ordinal), a.component or "(root)", str(a.core_module),
                                 str(a.core_instance), a.core_export, a.kind, a.type, a.wit, funcs))
    _fresh(changes, "module", "section", "change")
    for row in s.rewrite_changes()[:MAX_ROWS]:
        changes.add_row(*cells(*row))
