"""wasmtime's compilation cache: on by default where wasmtime keeps it, ``-C cache=n`` off,
``-C cache-config=FILE`` its configuration; a broken cache never fails a run (docs/cache.md).

Each test runs the CLI in a real process with its own cache home (XDG_CACHE_HOME), so the cache
it inspects holds only what that run wrote."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers.cli import run_cli

COUNTER = ROOT / "examples" / "counter.wat"


def _entries(home: Path) -> list[Path]:
    """The compiled-code files wasmtime wrote under ``home`` (its default cache location)."""
    return [p for p in (home / "wasmtime").rglob("*") if p.is_file() and not p.name.startswith(".")
            and not p.name.endswith(".stats")] if (home / "wasmtime").exists() else []


def _init(tmp_path: Path, *flags: str) -> tuple[int, dict, str, bytes]:
    out = tmp_path / "out.wasm"
    p = run_cli("init", str(COUNTER), "-o", str(out), "--json", *flags)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    return p.returncode, report, p.stderr.decode(), out.read_bytes() if out.exists() else b""


def test_cache_is_on_by_default_and_a_warm_run_gives_the_same_output(tmp_path, cache_home):
    code, report, err, cold = _init(tmp_path)
    assert code == 0, err
    assert _entries(cache_home), "the cold run wrote no compiled code to wasmtime's cache"
    code, report, err, warm = _init(tmp_path)
    assert code == 0 and warm == cold and report["notes"] == []


def test_cache_off(tmp_path, cache_home):
    code, report, err, out = _init(tmp_path, "-C", "cache=n")
    assert code == 0, err
    assert out and not _entries(cache_home)


def test_cache_off_holds_for_a_component_s_checks_and_output_validation(tmp_path, cache_home):
    """A component's structure check and the output's validation compile it whole: with
    `-C cache=n` they must not write to the cache either (nothing at all lands in the cache home)."""
    out = tmp_path / "nested.wasm"
    p = run_cli("init", str(ROOT / "examples" / "nested.wat"), "-o", str(out), "-C", "cache=n")
    assert p.returncode == 0, p.stderr.decode()
    assert out.exists() and not [q for q in cache_home.rglob("*") if q.is_file()]
    p = run_cli("init", str(ROOT / "examples" / "nested.wat"), "-o", str(tmp_path / "again.wasm"))
    assert p.returncode == 0 and _entries(cache_home)      # on by default: the same run does write


def test_cache_config_file_names_the_directory(tmp_path, cache_home):
    where = tmp_path / "elsewhere"
    config = tmp_path / "cache.toml"
    config.write_text(f'[cache]\ndirectory = "{where}"\n')
    code, _, err, _ = _init(tmp_path, "-C", f"cache-config={config}")
    assert code == 0, err
    assert any(p.is_file() for p in where.rglob("*")) and not _entries(cache_home)


def test_corrupt_cache_entries_mean_a_cold_run(tmp_path, cache_home):
    code, _, err, first = _init(tmp_path)
    assert code == 0, err
    for entry in _entries(cache_home):
        entry.write_bytes(b"\0garbage" * 64)
    shutil.rmtree(cache_home / "wizerscope" / "code")     # else the code cache maps the code first
    code, report, err, again = _init(tmp_path)
    assert code == 0, err
    assert again == first and "Traceback" not in err


@pytest.mark.parametrize("config_text", ['[cache]\ndirectory = "{file}/sub"\n', "not toml ["])
def test_unusable_cache_is_one_warning_and_a_cold_run(config_text, tmp_path, cache_home):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache directory should be")
    config = tmp_path / "cache.toml"
    config.write_text(config_text.format(file=blocker))
    code, report, err, out = _init(tmp_path, "-C", f"cache-config={config}")
    assert code == 0 and out, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "compilation cache is off" in warnings[0]
    assert report["notes"] == warnings


def test_cache_flag_values_are_checked(tmp_path, cache_home):
    code, _, err, out = _init(tmp_path, "-C", "cache=maybe")
    assert code == 2 and "-C cache" in err and not out
