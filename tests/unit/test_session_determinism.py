"""The determinism check: init twice in fresh instances, report what differs (also via the CLI)."""
from __future__ import annotations

import json

import pytest

from wizerscope.preinit import determinism
from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.options import Options
from wizerscope.report.build import determinism_report
from wizerscope.report.json import as_json
from wizerscope.report.text import describe_determinism

from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import COUNTER, NESTED, RANDOM, write


def check_determinism(wasm: bytes, options: Options):
    return determinism.check_determinism(pipeline_for(wasm), options)


def test_deterministic_module(wat):
    report = check_determinism(wat(COUNTER), Options())
    assert report.deterministic and report.units == 1
    assert describe_determinism(report).startswith("deterministic")
    assert as_json(determinism_report(report))["deterministic"] is True


def test_random_bytes_are_reported(wat):
    report = check_determinism(wat(RANDOM), Options(wasi=True))
    assert not report.deterministic
    (g,) = report.globals
    assert (g.index, g.type) == (0, "i64") and g.first != g.second
    (m,) = report.memories
    assert m.memory == 0 and 0 < m.changed_bytes <= 32
    assert all(256 <= r.start and r.end <= 288 and r.cause == "random" for r in m.runs)
    text = describe_determinism(report)
    assert "NOT deterministic" in text and "global 0" in text and "memory 0" in text
    assert json.loads(json.dumps(as_json(determinism_report(report))))["memories"][0]["run_count"] == m.run_count


def test_nested_component_is_deterministic(wat):
    report = check_determinism(wat(NESTED), Options())
    assert report.deterministic and report.kind == "component" and report.units == 1


def test_cli_check_determinism(tmp_path):
    ok = run_cli("init", "--check-determinism", write(tmp_path, "counter.wat", COUNTER))
    assert ok.returncode == 0 and b"deterministic" in ok.stdout
    rnd = write(tmp_path, "random.wat", RANDOM)
    bad = run_cli("init", "--check-determinism", "-S", "cli", "--json", "-o", str(tmp_path / "x.wasm"), rnd)
    assert bad.returncode == 2
    rep = json.loads(bad.stdout)
    assert rep["deterministic"] is False and rep["globals"][0]["index"] == 0
    assert not (tmp_path / "x.wasm").exists()


@pytest.mark.corpus
def test_quickjs_init_reads_randomness():
    from tests.helpers import CORPUS
    path = CORPUS / "ext_qjs_reactor.wasm"
    if not path.exists():
        pytest.skip("corpus not built")
    report = check_determinism(path.read_bytes(), Options(init_func="qjs_init", wasi=True))
    assert not report.deterministic and report.memories and not report.globals
