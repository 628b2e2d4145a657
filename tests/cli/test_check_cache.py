"""The check cache (preinit/verdicts.py): an input that passed every check is remembered next to
wasmtime's cache, so a repeated run skips validation and the reference's rules; ``-C cache=n``
turns it off; a broken cache is one warning and a run that checks again, never a failure.

The CLI tests run a real process with their own cache home (XDG_CACHE_HOME); the in-process ones
count the checker's calls to see what a warm run skips."""
from __future__ import annotations

import json
from pathlib import Path

from wizerscope.preinit import choose, module_pipeline
from wizerscope.preinit.options import Options
from wizerscope.preinit.runtime.wat import assemble
from wizerscope.preinit.verdicts import ACCEPTED

from tests.helpers import ROOT
from tests.helpers.cli import run_cli

COUNTER = ROOT / "examples" / "counter.wat"
TABLE_GROW = """(module (table 1 funcref) (func (export "wizer-initialize")
  (drop (table.grow (ref.null func) (i32.const 1)))))"""


def _entries(home: Path) -> list[Path]:
    checks = home / "wizerscope" / "checks"
    return sorted(p for p in checks.iterdir() if not p.name.startswith(".")) if checks.is_dir() else []


def _init(tmp_path: Path, src: Path, *flags: str) -> tuple[int, dict, str, bytes]:
    out = tmp_path / "out.wasm"
    out.unlink(missing_ok=True)
    p = run_cli("init", str(src), "-o", str(out), "--json", *flags)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    return p.returncode, report, p.stderr.decode(), out.read_bytes() if out.exists() else b""


def _counted(monkeypatch) -> list[int]:
    """Count the core checker's runs (validation and every rule) from now on."""
    calls: list[int] = []
    real = module_pipeline.module_rejections
    monkeypatch.setattr(module_pipeline, "module_rejections", lambda *a: (calls.append(1), real(*a))[1])
    return calls


def test_a_passed_input_is_remembered_and_a_warm_run_gives_the_same_output(tmp_path, cache_home):
    code, report, err, cold = _init(tmp_path, COUNTER)
    assert code == 0, err
    entries = _entries(cache_home)
    assert len(entries) == 1 and entries[0].read_bytes() == ACCEPTED
    code, report, err, warm = _init(tmp_path, COUNTER)
    assert code == 0 and warm == cold and report["notes"] == [], err
    assert _entries(cache_home) == entries


def test_cache_off_writes_no_verdict(tmp_path, cache_home):
    code, _, err, out = _init(tmp_path, COUNTER, "-C", "cache=n")
    assert code == 0 and out, err
    assert _entries(cache_home) == []


def test_a_warm_run_skips_the_checks_and_cache_off_does_not(cache_home, monkeypatch):
    wasm = assemble(COUNTER.read_text(), "counter")
    calls = _counted(monkeypatch)
    first = choose.preinit(wasm, Options())
    second = choose.preinit(wasm, Options())
    assert len(calls) == 1 and second.output == first.output
    off = choose.preinit(wasm, Options(cache=False))
    assert len(calls) == 2 and off.output == first.output


def test_other_bytes_are_checked_again(cache_home, monkeypatch):
    calls = _counted(monkeypatch)
    choose.preinit(assemble(COUNTER.read_text(), "counter"), Options())
    choose.preinit(assemble(COUNTER.read_text().replace("(module", "(module $renamed", 1), "counter"), Options())
    assert len(calls) == 2 and len(_entries(cache_home)) == 2


def test_a_rejected_input_is_not_remembered(tmp_path, cache_home):
    src = tmp_path / "grow.wat"
    src.write_text(TABLE_GROW)
    for _ in range(2):
        code, _, err, out = _init(tmp_path, src)
        assert code != 0 and "table.grow" in err and not out
    assert _entries(cache_home) == []


def test_a_corrupt_entry_is_one_warning_and_the_input_is_checked_again(tmp_path, cache_home):
    code, _, err, first = _init(tmp_path, COUNTER)
    assert code == 0, err
    (entry,) = _entries(cache_home)
    entry.write_bytes(b"\0garbage" * 8)
    code, report, err, again = _init(tmp_path, COUNTER)
    assert code == 0 and again == first, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "check cache" in warnings[0] and "corrupt" in warnings[0]
    assert report["notes"] == warnings and "Traceback" not in err
    assert entry.read_bytes() == ACCEPTED               # repaired by the run that checked again


def test_an_unusable_cache_directory_is_one_warning_and_a_cold_run(tmp_path, cache_home):
    _, _, _, expected = _init(tmp_path, COUNTER, "-C", "cache=n")
    cache_home.mkdir(exist_ok=True)
    (cache_home / "wizerscope").write_text("a file where the cache directory should be")
    for _ in range(2):
        code, report, err, out = _init(tmp_path, COUNTER)
        assert code == 0 and out == expected, err
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "caches are off" in warnings[0], err      # check and code cache: one line
        assert report["notes"] == warnings and "Traceback" not in err
