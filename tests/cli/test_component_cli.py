"""`wizerscope init` on a component, as a user runs it: the JSON report, init results, errors."""
from __future__ import annotations

import json

from tests.helpers.cli import run_cli
from tests.helpers.component import IFACES, call, comp


def test_cli_component_init_json_and_results(tmp_path):
    src = tmp_path / "in.wasm"
    src.write_bytes(comp(IFACES))
    out = tmp_path / "out.wasm"
    p = run_cli("init", "-f", "set(12)", str(src), "-o", str(out), "--json")
    assert p.returncode == 0, p.stderr.decode()
    rep = json.loads(p.stdout.decode()[p.stdout.decode().index("{"):])
    assert rep["kind"] == "component" and rep["init_func"] == "set(12)"
    assert [(a["kind"], a["core_export"], a["wit"]) for a in rep["component"]["accessors"]] == [
        ("global", "__wizer_global_0", "func() -> u32")]
    assert rep["modules"][0]["globals"] == [{"index": 0, "name": "g", "type": "i32", "before": "0", "after": "12",
                                             "changed": True}]
    assert call(out.read_bytes(), "get") == 12


def test_cli_component_errors_are_one_paragraph(tmp_path):
    src = tmp_path / "in.wasm"
    src.write_bytes(comp(IFACES))
    p = run_cli("init", "-f", "init", str(src), "-o", str(tmp_path / "out.wasm"))
    err = p.stderr.decode()
    assert p.returncode == 1 and "Traceback" not in err and "Multiple instances contained funcs" in err
    assert not (tmp_path / "out.wasm").exists()
    p = run_cli("init", "--check", str(src))
    assert p.returncode == 0 and "no rejections" in p.stderr.decode()
