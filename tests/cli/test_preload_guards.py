"""Preloaded modules' start functions run under the init's guards (issue 11): an endless start
stops at --timeout or --fuel, a trapping one is one paragraph naming the preload, and Ctrl-C stops
it like any init."""
from __future__ import annotations

import pytest

from wizerscope import cli

USER = '(module (import "p" "f" (func)) (memory 1) (func (export "wizer-initialize") call 0))'
LOOP = '(module (func $s (loop $l (br $l))) (start $s) (func (export "f")))'
TRAP = '(module (func $s unreachable) (start $s) (func (export "f")))'


@pytest.mark.parametrize("preload, flags, message", [
    (LOOP, ("--timeout", "0.5"), "did not finish within 0.5 s"),
    (LOOP, ("--fuel", "1000"), "ran out of fuel (1000 units)"),
    (TRAP, (), "`unreachable` instruction executed"),
], ids=["timeout", "fuel", "trap"])
def test_preload_start_runs_under_the_guards(tmp_path, capsys, preload, flags, message):
    (tmp_path / "user.wat").write_text(USER)
    (tmp_path / "pre.wat").write_text(preload)
    out = tmp_path / "out.wasm"
    code = cli.main(["init", str(tmp_path / "user.wat"), "-o", str(out), "--preload", f"p={tmp_path / 'pre.wat'}",
                     *flags])
    err = capsys.readouterr().err
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith("error: failed to process preload `p`") and "start function" in first
    assert message in first
    assert "internal error" not in err and "Traceback" not in err
    assert not out.exists()
