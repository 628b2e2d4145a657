"""The inspector's view of host calls and causes: the run log's lines and the Diff view's causes."""
from __future__ import annotations

from wizerscope.inspector.session import Session

from tests.helpers.host_wat import CORE_SOURCES
from tests.helpers.inspector_wat import write


def test_run_log_states_mode_calls_and_growth(tmp_path):
    s = Session.open(str(write(tmp_path, "sources.wat", CORE_SOURCES.replace('(memory (export "memory") 1)',
                                                                            '(memory (export "memory") 1)'
                                                                            '(func $grow (drop (memory.grow (i32.const 2))))'
                                                                            '(start $grow)'))))
    s.options.wasi, s.options.deterministic, s.options.seed, s.options.fuel = True, True, 5, 10_000_000
    assert s.run().ok
    log = s.host_log()
    assert log[0] == "host: deterministic (seed 5, clocks from 946684800 s since 1970)"
    assert "wasi_snapshot_preview1.clock_time_get x2" in log[1] and "fd_write x1" in log[1]
    assert any(line.startswith("fuel used: ") for line in log)
    assert "memory growth: memory 0: 1 -> 3 pages" in log


def test_diff_view_causes_after_a_determinism_check(tmp_path):
    s = Session.open(str(write(tmp_path, "sources.wat", CORE_SOURCES)))
    s.options.wasi = True
    assert s.run().ok
    assert s.determinism_causes("", 0) == []
    s.check_determinism()
    ranges = s.determinism_causes("", 0)
    assert ranges and {r.cause for r in ranges} == {"clock", "random"}
