"""The determinism check names the cause of every difference, found by intervention."""
from __future__ import annotations

import os

from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.determinism import check_determinism, split_by_cause
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import Hooks
from wizerscope.preinit.runtime.wat import assemble
from wizerscope.report.build import determinism_report
from wizerscope.report.json import as_json

from tests.helpers.host_wat import COMPONENT_RANGES, CORE_RANGES, COMPONENT_SOURCES, CORE_SOURCES


def causes_at(report) -> dict[int, str]:
    """The cause of every differing byte, by offset (every memory of the report)."""
    out = {}
    for m in report.memories:
        assert sum(m.bytes_by_cause.values()) == m.changed_bytes
        for r in m.runs:
            out.update((k, r.cause) for k in range(r.start, r.end))
    return out


def inside(offset: int, ranges: dict[str, tuple[int, int]]) -> str | None:
    return next((name for name, (s, e) in ranges.items() if s <= offset < e), None)


def test_core_causes():
    report = check_determinism(pipeline_for(assemble(CORE_SOURCES)), Options(wasi=True, env=[("A", "1")]))
    assert not report.deterministic and report.interventions == ["random", "clock", "environment"]
    (g,) = report.globals
    assert g.name == "t" and g.cause == "clock"
    at = causes_at(report)
    assert at and all(cause == inside(k, CORE_RANGES) for k, cause in at.items())
    assert set(at.values()) == {"clock", "random"}
    runs = as_json(determinism_report(report))["memories"][0]["runs"]
    assert set(runs[0]) == {"start", "end", "cause"}


def test_component_causes():
    report = check_determinism(pipeline_for(assemble(COMPONENT_SOURCES)),
                               Options(wasi=True, keep_init_func=True))
    at = causes_at(report)
    ranges = dict(COMPONENT_RANGES, random2=(0x2000, 0x2010))       # the random list's own bytes
    assert at and all((inside(k, ranges) or "").rstrip("2") == cause for k, cause in at.items())
    assert {"clock", "random"} <= set(at.values())


class ChangeEnvBeforeSecondRun(Hooks):
    """Sets $PROBE for the second run only: the environment really differs between the two runs."""

    def __init__(self) -> None:
        self.runs = 0

    def step(self, name, trace) -> None:
        if name == "check":
            self.runs += 1
            if self.runs == 2:
                os.environ["PROBE"] = "22"


def test_environment_cause(monkeypatch):
    monkeypatch.setenv("PROBE", "1")
    text = CORE_SOURCES.replace('(drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0x100)))', '') \
        .replace('(drop (call $clock (i32.const 1) (i64.const 1) (i32.const 0x108)))', '') \
        .replace('(drop (call $random (i32.const 0x200) (i32.const 32)))', '')
    report = check_determinism(pipeline_for(assemble(text)), Options(wasi=True, env=[("PROBE", None)]),
                               ChangeEnvBeforeSecondRun())
    at = causes_at(report)
    assert at and set(at.values()) == {"environment"}
    assert all(0x300 <= k < 0x500 for k in at)


def test_deterministic_mode_leaves_nothing_to_vary(monkeypatch):
    report = check_determinism(pipeline_for(assemble(CORE_SOURCES)), Options(wasi=True, deterministic=True))
    assert report.deterministic and report.interventions == []


def test_split_by_cause_takes_the_first_source_and_merges():
    changes = {"random": ([10, 30], [20, 40]), "clock": ([15], [35])}
    pieces = [(r.start, r.end, r.cause) for r in split_by_cause(5, 45, changes)]
    assert pieces == [(5, 10, "unknown"), (10, 20, "random"), (20, 30, "clock"), (30, 40, "random"),
                      (40, 45, "unknown")]
