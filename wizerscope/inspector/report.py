"""``inspect --json``: the session's model as the report the JSON writer prints."""
from __future__ import annotations

import dataclasses

from ..report.model import InspectionReport, RejectionReport
from .session import Session


def inspection_report(s: Session) -> InspectionReport:
    """Everything ``inspect`` shows: structure, candidates, globals, memories, instrumentation,
    rejections (with the bytes around each) and the reference gaps."""
    return InspectionReport(
        file=s.path, kind=s.kind, size=len(s.wasm), init_func=s.options.init_func,
        structure=s.structure().to_json(),
        candidates=[dataclasses.asdict(c) for c in s.candidates()],
        globals=[dataclasses.asdict(g) for g in s.global_rows()],
        memories=[{**{k: v for k, v in dataclasses.asdict(m).items() if k != "segments"},
                   "data_segments": [dataclasses.asdict(d) for d in m.segments]} for m in s.memory_rows()],
        instrumentation=[dict(zip(("module", "export", "exposes", "type"), r)) for r in s.instrumentation_rows()],
        rejections=[RejectionReport(r.rule, r.message, r.item, r.path, r.offset, r.hint,
                                    [(o, b.hex(" ")) for o, b in s.hex_context(r.offset)] if r.offset is not None
                                    else []) for r in s.rejections],
        reference_gaps=s.reference_gaps())
