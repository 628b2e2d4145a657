"""The teaching examples do what examples/README's sentences (in README.md) say."""
from __future__ import annotations

import json

from tests.helpers import ROOT
from tests.helpers.cli import run_cli

EX = ROOT / "examples"


def _exports(path) -> list[str]:
    from wizerscope.binary.module import parse_module
    return [e.name for e in parse_module(path.read_bytes()).exports]


def test_reactor_runs_initialize_first_and_drops_both(tmp_path):
    out = tmp_path / "r.wasm"
    p = run_cli("init", str(EX / "reactor.wat"), "-o", str(out), "--json")
    assert p.returncode == 0, p.stderr
    assert "_initialize" not in _exports(out) and "wizer-initialize" not in _exports(out)
    assert "greeting_len" in _exports(out)
    changed = [g for m in json.loads(p.stdout)["modules"] for g in m["globals"] if g.get("changed", True)]
    assert changed


def test_nested_component_is_pre_initialized_with_a_reference_gap(tmp_path):
    p = run_cli("init", "--check", "--json", str(EX / "nested.wat"))
    assert p.returncode == 0 and json.loads(p.stdout)["kind"] == "component"
    assert b"nested components" in p.stdout
    assert run_cli("init", str(EX / "nested.wat"), "-o", str(tmp_path / "n.wasm")).returncode == 0


def test_rejected_example_names_both_sites():
    p = run_cli("init", "--check", str(EX / "rejected.wat"))
    assert p.returncode == 1 and p.stderr.count(b"unsupported `table.set` instruction") == 2


def test_clock_example_is_not_deterministic_and_the_clock_is_the_cause():
    p = run_cli("init", "-S", "cli", "--check-determinism", "--json", str(EX / "clock.wat"))
    assert p.returncode == 2
    assert b'"clock"' in p.stdout
    fixed = run_cli("init", "-S", "cli", "--deterministic", "--check-determinism", str(EX / "clock.wat"))
    assert fixed.returncode == 0, fixed.stdout


def test_command_example_has_no_default_init_and_setup_keeps_start(tmp_path):
    """No `wizer-initialize`: init refuses and lists the candidates; with `-f setup` the output
    keeps `_start` (the entry point) and loses only `setup`."""
    p = run_cli("init", str(EX / "command.wat"), "-o", str(tmp_path / "c.wasm"))
    assert p.returncode == 1 and b"`setup`, `_start`" in p.stderr and not (tmp_path / "c.wasm").exists()
    out = tmp_path / "s.wasm"
    assert run_cli("init", str(EX / "command.wat"), "-f", "setup", "-o", str(out)).returncode == 0
    assert "_start" in _exports(out) and "setup" not in _exports(out)
