"""End-to-end: the example from the README through the CLI, checked against the reference."""
from __future__ import annotations

import json
import subprocess

from tests.helpers import ROOT
from tests.helpers.cli import run_cli
from tests.helpers.wasm import call as _call


def test_example_init_matches_reference(tmp_path, reference, wasm_tools):
    out = tmp_path / "out.wasm"
    p = run_cli("init", str(ROOT / "examples/counter.wat"), "-o", str(out), "--json")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert {g["name"]: g["after"] for g in report["modules"][0]["globals"]} == {"calls": "1", "checksum": "5559680"}
    data = out.read_bytes()
    subprocess.run([wasm_tools, "validate", str(out)], check=True)
    assert _call(data, "calls") == 1
    assert _call(data, "square", 17) == 289
    assert _call(data, "checksum") == sum(i * i for i in range(256))
    assert data == reference(ROOT / "examples/counter.wat").require_output()


def test_headless_layers_do_not_import_ui():
    code = ("import sys, wizerscope.binary.module, wizerscope.preinit, wizerscope.cli;"
            "bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True, cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
