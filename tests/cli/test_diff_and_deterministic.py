"""`wizerscope diff` finds exactly the planted differences; `init --deterministic` on the command line."""
from __future__ import annotations

import json

from wizerscope.preinit.outputdiff import diff_states
from wizerscope.preinit.runtime.host import DEFAULT_EPOCH_S

from tests.helpers.cli import run_cli
from tests.helpers.host_wat import COMPONENT_SOURCES, CORE_SOURCES
from tests.helpers.inspector_wat import write


def init(tmp_path, src: str, name: str, *flags: str):
    out = tmp_path / name
    proc = run_cli("init", "-S", "cli", "--deterministic", *flags, str(src), "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    return out, json.loads(proc.stdout)


def test_deterministic_cli_is_byte_identical_and_reports_mode(tmp_path):
    src = write(tmp_path, "sources.wat", CORE_SOURCES)
    a, rep = init(tmp_path, src, "a.wasm", "--env", "A=1")
    b, _ = init(tmp_path, src, "b.wasm", "--env", "A=1")
    assert a.read_bytes() == b.read_bytes()
    assert rep["host_mode"] == {"deterministic": True, "seed": 0, "clock_epoch_s": DEFAULT_EPOCH_S,
                                "description": rep["host_mode"]["description"]}
    assert {"import": "wasi_snapshot_preview1.random_get", "calls": 1} in rep["host_calls"]
    same = run_cli("diff", str(a), str(b))
    assert same.returncode == 0 and b"identical" in same.stdout


def test_diff_finds_exactly_the_planted_differences(tmp_path):
    src = write(tmp_path, "sources.wat", CORE_SOURCES)
    a, _ = init(tmp_path, src, "a.wasm", "--env", "A=1")
    b, _ = init(tmp_path, src, "b.wasm", "--env", "A=2")            # one byte of the environment: 0x402
    proc = run_cli("diff", "--json", str(a), str(b))
    assert proc.returncode == 1
    rep = json.loads(proc.stdout)
    assert rep["identical"] is False and rep["globals"] == []
    (m,) = rep["memories"]
    assert m["ranges"] == [{"start": 0x402, "end": 0x403, "region": None}] and m["changed_bytes"] == 1
    assert [s["section"] for s in rep["sections"]] == ["data"]


def test_diff_of_a_seed_and_a_clock(tmp_path, monkeypatch):
    src = write(tmp_path, "sources.wat", CORE_SOURCES)
    a, _ = init(tmp_path, src, "a.wasm")
    b, _ = init(tmp_path, src, "b.wasm", "--seed", "9")
    d = diff_states(a.read_bytes(), b.read_bytes())
    (m,) = d.memories
    assert d.globals == [] and all(0x200 <= r.start and r.end <= 0x220 for r in m.ranges)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c, _ = init(tmp_path, src, "c.wasm")
    d = diff_states(a.read_bytes(), c.read_bytes())
    (g,) = d.globals
    assert g.index == 0 and g.b == str(1_700_000_000 * 10**9)
    assert all(0x100 <= r.start and r.end <= 0x108 for r in d.memories[0].ranges)


def test_diff_input_and_output_and_components(tmp_path):
    src = write(tmp_path, "c.wat", COMPONENT_SOURCES)
    a, _ = init(tmp_path, src, "a.wasm", "--keep-init-func=true")
    proc = run_cli("diff", str(src), str(a))
    assert proc.returncode == 1 and b"core module 0: memory 0" in proc.stdout
    b, _ = init(tmp_path, src, "b.wasm", "--keep-init-func=true", "--seed", "3")
    rep = json.loads(run_cli("diff", "--json", str(a), str(b)).stdout)
    (m,) = rep["memories"]
    assert m["module"] == "core module 0"
    assert all(0x200 <= r["start"] and r["end"] <= 0x240 or 0x2000 <= r["start"] < 0x2010 for r in m["ranges"])


def test_diff_errors_exit_2(tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"nope")
    proc = run_cli("diff", str(bad), str(bad))
    assert proc.returncode == 2 and b"error" in proc.stderr and b"Traceback" not in proc.stderr
    assert run_cli("diff", str(tmp_path / "missing.wasm"), str(bad)).returncode == 2


def test_seed_must_be_a_number(tmp_path):
    src = write(tmp_path, "sources.wat", CORE_SOURCES)
    proc = run_cli("init", "-S", "cli", "--seed", "x", str(src), "-o", str(tmp_path / "o.wasm"))
    assert proc.returncode == 2 and b"--seed" in proc.stderr


def test_inspector_compare_option_names_a_missing_file(tmp_path):
    src = write(tmp_path, "sources.wat", CORE_SOURCES)
    proc = run_cli(str(src), "--compare", str(tmp_path / "missing.wasm"))
    assert proc.returncode == 1 and b"missing.wasm: no such file" in proc.stderr and b"Traceback" not in proc.stderr
