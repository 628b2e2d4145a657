"""wizerscope's code cache: init code an earlier process compiled is mapped from an uncompressed
entry (docs/cache.md, "The code cache"); a damaged or unusable store never fails a run.

Each test runs the CLI in a real process with its own cache home."""
from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import ROOT
from tests.helpers.cli import run_cli

COUNTER = ROOT / "examples" / "counter.wat"
NESTED = ROOT / "examples" / "nested.wat"


def _code_entries(home: Path) -> list[Path]:
    where = home / "wizerscope" / "code"
    return sorted(p for p in where.iterdir() if p.suffix == ".cwasm") if where.exists() else []


def _init(tmp_path: Path, source: Path = COUNTER, *flags: str) -> tuple[int, dict, str, bytes]:
    out = tmp_path / "out.wasm"
    if out.exists():
        out.unlink()
    p = run_cli("init", str(source), "-o", str(out), "--json", *flags)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    return p.returncode, report, p.stderr.decode(), out.read_bytes() if out.exists() else b""


def test_a_second_run_maps_the_code_the_first_compiled(tmp_path, cache_home):
    for source in (COUNTER, NESTED):                 # a core module and a component
        code, report, err, cold = _init(tmp_path, source)
        assert code == 0, err
        assert report["code"] == "compiled"
        assert len(_code_entries(cache_home)) == (1 if source is COUNTER else 2)
        code, report, err, warm = _init(tmp_path, source)
        assert code == 0, err
        assert report["code"] == "mapped" and report["notes"] == [] and warm == cold


def test_off_with_cache_n(tmp_path, cache_home):
    code, report, err, out = _init(tmp_path, COUNTER, "-C", "cache=n")
    assert code == 0 and out, err
    assert report["code"] == "compiled" and not _code_entries(cache_home)


def test_options_that_change_the_code_have_their_own_entry(tmp_path, cache_home):
    """Fuel metering is compiled into the code: a run with --fuel must not map code without it."""
    assert _init(tmp_path)[0] == 0
    code, report, err, _ = _init(tmp_path, COUNTER, "--fuel", "1000000")
    assert code == 0, err
    assert report["code"] == "compiled" and len(_code_entries(cache_home)) == 2


def test_a_damaged_entry_is_one_warning_and_a_compile(tmp_path, cache_home):
    code, _, err, first = _init(tmp_path)
    assert code == 0, err
    (entry,) = _code_entries(cache_home)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF                     # same size, one byte changed: only the checksum sees it
    entry.write_bytes(bytes(data))
    code, report, err, again = _init(tmp_path)
    assert code == 0 and again == first, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "code cache was not used" in warnings[0] and "damaged" in warnings[0]
    assert report["code"] == "compiled" and report["notes"] == warnings
    (rewritten,) = _code_entries(cache_home)         # the damaged entry was replaced by a good one
    code, report, err, _ = _init(tmp_path)
    assert code == 0 and report["code"] == "mapped" and report["notes"] == []


def test_a_truncated_entry_is_a_compile(tmp_path, cache_home):
    assert _init(tmp_path)[0] == 0
    (entry,) = _code_entries(cache_home)
    with open(entry, "r+b") as f:
        f.truncate(os.path.getsize(entry) // 3)
    code, report, err, out = _init(tmp_path)
    assert code == 0 and out and "Traceback" not in err
    assert report["code"] == "compiled" and "damaged" in err


def test_an_unusable_store_is_one_warning_and_a_run(tmp_path, cache_home):
    (cache_home / "wizerscope").mkdir(parents=True)
    (cache_home / "wizerscope" / "code").write_text("a file where the code cache's directory should be")
    code, report, err, out = _init(tmp_path)
    assert code == 0 and out, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "code cache is off for this run" in warnings[0]


def test_a_mapped_run_never_joins_the_instrumented_binary(tmp_path, cache_home, monkeypatch):
    """In process: once the code is stored, a run needs the instrumentation's accessor table, not
    its bytes (an 18 MB copy for componentize-py), nor its accessor modules assembled."""
    from wizerscope.binary.encode import LazyJoin
    from wizerscope.preinit.component import instrument
    from wizerscope.preinit.choose import pipeline_for
    from wizerscope.preinit.files import read_input
    from wizerscope.preinit.options import Options
    from wizerscope.preinit.pipeline import drive
    wasm = read_input(str(NESTED))
    first = drive(pipeline_for(wasm), Options())
    assert not first.init.mapped_code

    real_join, rewriting = LazyJoin.join, []

    def refuse(*args):
        raise AssertionError("the instrumented binary was made")

    def join_the_output_only(self):      # from the rewrite on, what is joined is the output
        return real_join(self) if rewriting else refuse()
    pipeline = pipeline_for(wasm)
    real_rewrite = pipeline.rewrite
    monkeypatch.setattr(pipeline, "rewrite", lambda *a: (rewriting.append(True), real_rewrite(*a))[1])
    monkeypatch.setattr(LazyJoin, "join", join_the_output_only)
    monkeypatch.setattr(instrument, "assemble", refuse)
    again = drive(pipeline, Options())
    assert again.init.mapped_code and again.output == first.output
