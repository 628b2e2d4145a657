"""Reliability: hostile input, runaway init and output integrity (issue 5).

Every bad input must end as one paragraph on stderr naming the byte offset and exit status 1;
every runaway init must stop (timeout, fuel, memory cap, stack) with a clear message and a wasm
backtrace; and in none of these cases may an output file appear or an existing one change.
The CLI is called in-process (``wizerscope.cli.main``) for speed, plus a few real subprocesses to
prove that no traceback reaches a user.
"""
from __future__ import annotations

import os
import stat

import pytest
import wasmtime

from tests.helpers import ROOT
from tests.helpers.cli import run_cli
from wizerscope import cli
from wizerscope.binary.module import parse_module
from wizerscope.errors import WizerscopeError

COUNTER = ROOT / "examples/counter.wat"
HEADER = b"\0asm\x01\0\0\0"


def _counter() -> bytes:
    return wasmtime.wat2wasm(COUNTER.read_text())


def _nest(depth: int) -> bytes:
    """A component holding a component holding ... ``depth`` levels deep."""
    inner = b"\0asm\x0d\0\x01\0"
    for _ in range(depth):
        n, size = len(inner), bytearray()
        while True:
            size.append((n & 0x7F) | (0x80 if n >> 7 else 0))
            n >>= 7
            if not n:
                break
        inner = b"\0asm\x0d\0\x01\0" + b"\x04" + bytes(size) + inner
    return inner


# name -> (bytes, what the message must mention)
BAD_INPUTS = {
    "empty": (b"", "empty"),
    "garbage": (b"\x7fELF\x02\x01\x01\0 not wasm at all", "magic"),
    "truncated-header": (b"\0asm\x01\0", "header"),
    "unknown-version": (b"\0asm\x02\0\0\0", "version"),
    "component-header-core-sections": (b"\0asm\x0d\0\x01\0" + _counter()[8:], "component"),
    "leb128-overflow": (HEADER + b"\x01\xff\xff\xff\xff\xff\x7f", "integer"),
    "leb128-too-large": (HEADER + b"\x01\xff\xff\xff\xff\x7f", "integer"),
    "section-size-past-end": (HEADER + b"\x01\x20\x00", "end"),
    "huge-declared-count": (HEADER + b"\x01\x05\xff\xff\xff\xff\x0f", "count"),
    "huge-code-count": (HEADER + b"\x0a\x05\xfe\xff\xff\xff\x0f", "count"),
    "duplicate-section": (HEADER + b"\x01\x01\x00\x01\x01\x00", "order"),
    "unknown-section-id": (HEADER + b"\x42\x00", "section id"),
    "invalid-utf8-export-name": (HEADER + b"\x07\x05\x01\x02\xff\xfe\x00", "UTF-8"),
    "invalid-utf8-custom-name": (HEADER + b"\x00\x03\x02\xc3\x28", "UTF-8"),
    "component-nesting-bomb": (_nest(2000), "nested"),
}


def _one_paragraph(err: str) -> str:
    assert err.startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    return err.strip()


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_paragraph_with_offset(name, tmp_path, capsys):
    data, mention = BAD_INPUTS[name]
    src, out = tmp_path / "bad.wasm", tmp_path / "out.wasm"
    src.write_bytes(data)
    assert cli.main(["init", str(src), "-o", str(out)]) == 1
    err = _one_paragraph(capsys.readouterr().err)
    assert "\n" not in err, err
    assert mention.lower() in err.lower(), err
    if name != "empty":            # an empty file has no byte to point at; it says "empty" instead
        assert "offset" in err, err
    assert not out.exists()
    assert os.listdir(tmp_path) == ["bad.wasm"]        # no temporary file left behind


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    for name in ("leb128-overflow", "component-nesting-bomb", "garbage"):
        src = tmp_path / f"{name}.wasm"
        src.write_bytes(BAD_INPUTS[name][0])
        p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"))
        assert p.returncode == 1, p.stderr
        _one_paragraph(p.stderr.decode())
    p = run_cli("init", "-", "-o", str(tmp_path / "out.wasm"), input=b"")
    assert p.returncode == 1 and b"empty" in p.stderr
    assert not (tmp_path / "out.wasm").exists()


def test_huge_declared_counts_do_not_preallocate():
    """A count of 2^32-1 items with no bytes behind it is refused before any list is built."""
    for sid in (1, 2, 3, 5, 6, 7, 9, 10, 11):
        data = HEADER + bytes((sid,)) + b"\x05\xff\xff\xff\xff\x0f"
        with pytest.raises(WizerscopeError) as e:
            parse_module(data)
        assert e.value.offset == 10


def test_huge_declared_counts_in_components_do_not_preallocate():
    from wizerscope.binary.component import parse_component
    for sid in (2, 3, 5, 6, 7, 8, 10, 11):
        data = b"\0asm\x0d\0\x01\0" + bytes((sid,)) + b"\x05\xff\xff\xff\xff\x0f"
        with pytest.raises(WizerscopeError, match="declared count 4294967295") as e:
            parse_component(data)
        assert e.value.offset == 10


def test_truncation_at_every_byte_is_a_clean_error():
    """Every prefix of a real module: a clean error that names the offset, or (at a section
    boundary) a valid smaller module."""
    wasm = _counter()
    boundaries = 0
    for i in range(len(wasm)):
        try:
            parse_module(wasm[:i])
            boundaries += 1
        except WizerscopeError as e:
            assert e.offset is not None and 0 <= e.offset <= i, (i, str(e))
    assert 0 < boundaries < 12


# -- runaway init ------------------------------------------------------------------------------
LOOP = '(module (func (export "wizer-initialize") (loop $l (br $l))))'
RECURSE = '(module (func $recurse (export "wizer-initialize") (call $recurse)))'
GROW_UNTIL_FAIL = '''(module (memory (export "mem") 1)
  (func (export "wizer-initialize")
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 256)) (i32.const -1))))))'''
GROW_OR_ABORT = '''(module (memory 1)
  (func $alloc (export "alloc") (if (i32.eq (memory.grow (i32.const 1024)) (i32.const -1)) (then unreachable)))
  (func (export "wizer-initialize") (loop $l (call $alloc) (br $l))))'''
NESTED_TRAP = '''(module
  (func $parse_config (i32.div_u (i32.const 1) (i32.const 0)) drop)
  (func $setup (call $parse_config))
  (func (export "wizer-initialize") (call $setup)))'''
START_TRAP = '(module (func $boom unreachable) (start $boom) (func (export "wizer-initialize")))'


def _init(tmp_path, capsys, wat: str, *flags: str) -> tuple[int, str, "os.PathLike"]:
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(wat)
    code = cli.main(["init", str(src), "-o", str(out), *flags])
    return code, capsys.readouterr().err, out


def test_endless_loop_stops_at_timeout(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, LOOP, "--timeout", "0.3")
    assert code == 1 and "did not finish within 0.3 s" in err and "--timeout" in err
    assert "wasm backtrace:" in err and "wizer-initialize" in err
    assert not out.exists()


def test_endless_loop_stops_at_wasmtime_style_timeout(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, LOOP, "-W", "timeout=200ms")
    assert code == 1 and "did not finish within 0.2 s" in err and not out.exists()


def test_endless_loop_stops_when_fuel_runs_out(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, LOOP, "--fuel", "100000")
    assert code == 1 and "ran out of fuel (100000 units)" in err and not out.exists()


def test_fuel_enough_for_a_finite_init_succeeds(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, COUNTER.read_text(), "--fuel", "10000000")
    assert code == 0, err
    assert out.exists()


def test_memory_growth_is_capped_by_max_memory(tmp_path, capsys):
    """Growing until memory.grow fails would reach 4 GiB; --max-memory stops it at the cap and
    the snapshot records the capped size."""
    limit = 8 << 20
    code, err, out = _init(tmp_path, capsys, GROW_UNTIL_FAIL, "--max-memory", str(limit))
    assert code == 0, err
    m = parse_module(out.read_bytes())
    assert m.memories[0].minimum * 65536 <= limit
    assert m.memories[0].minimum == (1 + 256 * ((limit // 65536 - 1) // 256))


def test_memory_growth_past_max_memory_trap_explains_the_limit(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, GROW_OR_ABORT, "--max-memory", "4000000")
    assert code == 1, err
    assert "unreachable" in err and "--max-memory 4000000" in err and "memory.grow" in err
    assert "memory 0: " in err
    assert "alloc" in err             # the backtrace names the exported function
    assert not out.exists()


def test_deep_recursion_traps_cleanly_with_a_short_backtrace(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, RECURSE)
    assert code == 1 and "call stack exhausted" in err
    assert "recurse" in err and "repeated" in err
    assert len(err.splitlines()) < 30
    assert not out.exists()


def test_trap_shows_the_wasm_backtrace_with_names(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, NESTED_TRAP)
    assert code == 1 and "integer divide by zero" in err
    frames = err.split("wasm backtrace:", 1)[1].split()
    names = [f.split("!", 1)[1] for f in frames if "!" in f]
    # innermost first; the unnamed init function is named after its export
    assert names == ["parse_config", "setup", "wizer-initialize"]
    assert not out.exists()


def test_trap_in_start_function(tmp_path, capsys):
    code, err, out = _init(tmp_path, capsys, START_TRAP)
    assert code == 1 and "start function" in err and "unreachable" in err and "boom" in err
    assert not out.exists()


def test_runaway_in_a_real_process_exits_1_and_writes_nothing(tmp_path):
    src, out = tmp_path / "loop.wat", tmp_path / "out.wasm"
    src.write_text(LOOP)
    p = run_cli("init", str(src), "-o", str(out), "--timeout", "0.3")
    assert p.returncode == 1 and b"Traceback" not in p.stderr
    assert not out.exists()


# -- output integrity --------------------------------------------------------------------------
def test_failed_init_leaves_an_existing_output_untouched(tmp_path, capsys):
    out = tmp_path / "out.wasm"
    out.write_bytes(b"previous output")
    src = tmp_path / "in.wat"
    src.write_text(NESTED_TRAP)
    assert cli.main(["init", str(src), "-o", str(out)]) == 1
    assert out.read_bytes() == b"previous output"
    assert sorted(os.listdir(tmp_path)) == ["in.wat", "out.wasm"]


def test_input_named_as_output_survives_a_failure_and_is_replaced_on_success(tmp_path, capsys):
    trap = tmp_path / "trap.wasm"
    trap.write_bytes(wasmtime.wat2wasm(NESTED_TRAP))
    before = trap.read_bytes()
    assert cli.main(["init", str(trap), "-o", str(trap)]) == 1
    assert trap.read_bytes() == before
    good = tmp_path / "good.wasm"
    good.write_bytes(_counter())
    assert cli.main(["init", str(good), "-o", str(good)]) == 0
    assert good.read_bytes() != _counter()
    assert "wizer-initialize" not in {e.name for e in parse_module(good.read_bytes()).exports}


def test_output_is_validated_before_it_is_written(tmp_path, capsys, monkeypatch):
    """A rewrite bug must never reach the disk: the output is validated first."""
    from wizerscope.preinit import module_pipeline as pipeline
    real = pipeline.rewrite_module
    def truncated(*a, **k):
        out, proof = real(*a, **k)
        return out[:-3], proof                 # the output damaged after its proof was made
    monkeypatch.setattr(pipeline, "rewrite_module", truncated)
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(COUNTER.read_text())
    assert cli.main(["init", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "invalid" in err and "nothing was written" in err
    assert not out.exists()


def test_write_failure_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    from wizerscope.preinit import files as loading
    target = tmp_path / "out.wasm"

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(loading.os, "replace", broken_replace)
    with pytest.raises(WizerscopeError, match="No space left on device"):
        loading.write_output(str(target), b"\0asm\x01\0\0\0")
    assert os.listdir(tmp_path) == []


def test_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from wizerscope.preinit import files as loading

    def interrupted(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(loading.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        loading.write_output(str(tmp_path / "out.wasm"), b"\0asm\x01\0\0\0")
    assert os.listdir(tmp_path) == []


def test_output_gets_ordinary_permissions(tmp_path, capsys):
    """The temporary file is private while written; the output is not (0666 minus umask)."""
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(COUNTER.read_text())
    old = os.umask(0o022)
    try:
        assert cli.main(["init", str(src), "-o", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    out.chmod(0o640)             # replacing a file keeps its mode
    assert cli.main(["init", str(src), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_missing_output_directory_is_a_clear_error(tmp_path, capsys):
    src = tmp_path / "in.wat"
    src.write_text(COUNTER.read_text())
    assert cli.main(["init", str(src), "-o", str(tmp_path / "nope" / "out.wasm")]) == 1
    err = _one_paragraph(capsys.readouterr().err)
    assert "does not exist" in err


def test_reference_output_of_a_trap_is_nothing_either(tmp_path, reference):
    """Same contract as the reference: a trapping init writes no output (it exits 134 there)."""
    src = tmp_path / "trap.wat"
    src.write_text(NESTED_TRAP)
    p = reference(src)
    assert p.returncode != 0 and not p.output_written


COMPONENT_INIT = '''(component
  (core module $m (func $init (export "wizer-initialize") {body}))
  (core instance $i (instantiate $m))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize"))))'''


@pytest.mark.parametrize("body, flags, message", [
    ("(loop $l (br $l))", ("--timeout", "0.3"), "did not finish within 0.3 s"),
    ("(loop $l (br $l))", ("--fuel", "10000"), "ran out of fuel (10000 units)"),
    ("(call $init)", (), "call stack exhausted"),
], ids=["timeout", "fuel", "recursion"])
def test_runaway_component_init_stops_cleanly(tmp_path, capsys, body, flags, message):
    code, err, out = _init(tmp_path, capsys, COMPONENT_INIT.format(body=body), *flags)
    assert code == 1 and message in err and "wasm backtrace:" in err, err
    assert len(err.splitlines()) < 30
    assert not out.exists()


@pytest.mark.parametrize("name", ["garbage", "leb128-overflow", "component-nesting-bomb", "huge-declared-count"])
def test_inspect_reports_bad_input_as_a_rejection_with_offset(name, tmp_path, capsys):
    """The inspector's headless path keeps the error as data (what the TUI's error panel shows)."""
    import json
    src = tmp_path / "bad.wasm"
    src.write_bytes(BAD_INPUTS[name][0])
    assert cli.main(["inspect", "--json", str(src)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if not captured.out:        # not even Wasm (no magic): the same one-paragraph error as `init`
        assert "offset" in _one_paragraph(captured.err)
        return
    report = json.loads(captured.out)
    assert any(r["offset"] is not None for r in report["rejections"]), report["rejections"]


def test_the_inspector_refuses_a_pipe_for_stdout(tmp_path):
    """`wizerscope FILE | less` would get escape codes and hang waiting for keys: refuse, exit 2."""
    from tests.helpers.cli import run_cli
    from tests.helpers.inspector_wat import COUNTER, write
    p = run_cli(write(tmp_path, "counter.wat", COUNTER))
    assert p.returncode == 2 and p.stdout == b""
    assert b"needs a terminal" in p.stderr and b"wizerscope inspect" in p.stderr and b"Traceback" not in p.stderr
