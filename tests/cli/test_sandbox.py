"""The init function's sandbox: what it can see of the host, and where its output goes (issue 5).

One WASI (preview 1) module probes everything from inside init and records what it saw in globals
and memory, so the pre-initialized output itself is the evidence:
* ``prestat``/``open``: errno of `fd_prestat_get(3)` and of `path_open(3, "secret.txt")`; the
  file's bytes are read to address 1024 when the open works;
* ``envc``: the number of environment variables, their text at address 8192;
* it writes a line to stdout and one to stderr.
"""
from __future__ import annotations

import os

import pytest
import wasmtime

from tests.helpers.cli import run_cli
from wizerscope import cli

PROBE = r'''(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $prestat (export "prestat") (mut i32) (i32.const -1))
  (global $open (export "open") (mut i32) (i32.const -1))
  (global $envc (export "envc") (mut i32) (i32.const -1))
  (data (i32.const 0) "secret.txt")
  (data (i32.const 32) "OUT from init\n")
  (data (i32.const 48) "ERR from init\n")
  (func (export "wizer-initialize")
    (global.set $prestat (call $prestat (i32.const 3) (i32.const 100)))
    (global.set $open (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 0)
                                  (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (i32.eqz (global.get $open)) (then
      (i32.store (i32.const 208) (i32.const 1024))
      (i32.store (i32.const 212) (i32.const 64))
      (drop (call $read (i32.load (i32.const 200)) (i32.const 208) (i32.const 1) (i32.const 216)))))
    (drop (call $env_sizes (i32.const 300) (i32.const 304)))
    (global.set $envc (i32.load (i32.const 300)))
    (if (i32.and (i32.lt_u (global.get $envc) (i32.const 1000)) (i32.lt_u (i32.load (i32.const 304)) (i32.const 57000)))
      (then (drop (call $env_get (i32.const 4096) (i32.const 8192)))))
    (i32.store (i32.const 64) (i32.const 32)) (i32.store (i32.const 68) (i32.const 14))
    (drop (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))
    (i32.store (i32.const 64) (i32.const 48))
    (drop (call $write (i32.const 2) (i32.const 64) (i32.const 1) (i32.const 72)))
    ;; the scratch words (iovecs, counts, fd) are not part of the evidence: clear them
    (i32.store (i32.const 64) (i32.const 0)) (i32.store (i32.const 68) (i32.const 0))
    (i32.store (i32.const 72) (i32.const 0)))
  (func (export "run") (result i32) (global.get $envc)))'''

EBADF = 8
SECRET = b"the host's private bytes"


class Seen:
    """What init observed, read back from the pre-initialized output."""

    def __init__(self, wasm: bytes) -> None:
        engine = wasmtime.Engine()
        store = wasmtime.Store(engine)
        store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        inst = linker.instantiate(store, wasmtime.Module(engine, wasm))
        ex = inst.exports(store)
        self.prestat = ex["prestat"].value(store)
        self.open = ex["open"].value(store)
        self.envc = ex["envc"].value(store)
        self.memory = bytes(ex["memory"].read(store, 0, 65536))

    @property
    def env(self) -> list[bytes]:
        return [v for v in self.memory[8192:65536].split(b"\0") if v]


@pytest.fixture
def probe(tmp_path):
    src = tmp_path / "probe.wat"
    src.write_text(PROBE)
    return src


def _init(probe, tmp_path, *flags: str) -> Seen:
    out = tmp_path / "out.wasm"
    assert cli.main(["init", str(probe), "-o", str(out), *flags]) == 0
    return Seen(out.read_bytes())


def test_without_wasi_init_cannot_reach_the_host(probe, tmp_path, capsys):
    out = tmp_path / "out.wasm"
    assert cli.main(["init", str(probe), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "wasi_snapshot_preview1" in err and "-S cli" in err
    assert not out.exists()


def test_without_dir_init_sees_no_host_files(probe, tmp_path, monkeypatch, capsys):
    (tmp_path / "secret.txt").write_bytes(SECRET)
    monkeypatch.chdir(tmp_path)                 # not even the working directory is visible
    seen = _init(probe, tmp_path, "-S", "cli")
    assert seen.prestat == EBADF and seen.open == EBADF
    assert SECRET not in seen.memory


def test_with_dir_init_reads_exactly_that_directory(probe, tmp_path, capsys):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "secret.txt").write_bytes(SECRET)
    seen = _init(probe, tmp_path, "-S", "cli", "--dir", f"{shared}::/data")
    assert seen.prestat == 0 and seen.open == 0
    assert seen.memory[1024:1024 + len(SECRET)] == SECRET


def test_without_env_init_sees_no_host_environment(probe, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "hunter2")
    seen = _init(probe, tmp_path, "-S", "cli")
    assert seen.envc == 0 and b"hunter2" not in seen.memory


def test_env_gives_init_only_the_named_variables(probe, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "hunter2")
    monkeypatch.setenv("PASSED_THROUGH", "from-host")
    seen = _init(probe, tmp_path, "-S", "cli", "--env", "GREETING=hi", "--env", "PASSED_THROUGH")
    assert seen.envc == 2
    assert sorted(seen.env) == [b"GREETING=hi", b"PASSED_THROUGH=from-host"]
    assert b"hunter2" not in seen.memory


def test_inherit_env_gives_init_the_host_environment(probe, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "hunter2")
    seen = _init(probe, tmp_path, "-S", "cli,inherit-env")
    assert seen.envc == len(seen.env) > 1
    assert b"WIZERSCOPE_HOST_SECRET=hunter2" in seen.env
    assert f"PATH={os.environ['PATH']}".encode() in seen.env


def test_env_without_wasi_is_refused(probe, tmp_path, capsys):
    assert cli.main(["init", str(probe), "-o", str(tmp_path / "o.wasm"), "--env", "A=1"]) == 2
    assert "need WASI" in capsys.readouterr().err


def test_init_output_never_mixes_into_stdout_output(probe, tmp_path):
    """With `-o -` stdout carries exactly the Wasm bytes; what init printed goes to stderr."""
    p = run_cli("init", str(probe), "-S", "cli", "-o", "-")
    assert p.returncode == 0, p.stderr
    out = tmp_path / "out.wasm"
    assert run_cli("init", str(probe), "-S", "cli", "-o", str(out)).returncode == 0
    assert p.stdout == out.read_bytes()       # nothing before, after or inside the module
    assert b"OUT from init" in p.stderr and b"ERR from init" in p.stderr
    assert Seen(p.stdout).prestat == EBADF


def test_init_output_is_forwarded_when_writing_a_file(probe, tmp_path):
    out = tmp_path / "out.wasm"
    p = run_cli("init", str(probe), "-S", "cli", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"OUT from init\n" and b"ERR from init" in p.stderr
    assert out.read_bytes().startswith(b"\0asm")


# -- the same for components (WASI preview 2 through Linker.add_wasip2) ------------------------
# Init counts the preopened directories and the environment variables it is given, through
# wasi:filesystem/preopens and wasi:cli/environment, into two globals that `dirs` and `envc`
# return after pre-initialization.
COMPONENT_PROBE = r'''(component
  (import "wasi:filesystem/types@0.2.0" (instance $types (export "descriptor" (type (sub resource)))))
  (alias export $types "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.2.0" (instance $preopens
    (alias outer 1 $descriptor (type $d))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))))
  (core module $heap (memory (export "memory") 1) (global $h (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $h) (i32.const 7)) (i32.const -8)))
      (global.set $h (i32.add (local.get $p) (local.get 3))) (local.get $p)))
  (core instance $heap (instantiate $heap))
  (alias core export $heap "memory" (core memory $mem))
  (alias core export $heap "realloc" (core func $realloc))
  (core func $dirs (canon lower (func $preopens "get-directories") (memory $mem) (realloc $realloc)))
  (core func $envs (canon lower (func $env "get-environment") (memory $mem) (realloc $realloc)))
  (core module $m
    (import "host" "dirs" (func $dirs (param i32))) (import "host" "envs" (func $envs (param i32)))
    (import "host" "memory" (memory 1))
    (global $dirs (mut i32) (i32.const -1)) (global $envc (mut i32) (i32.const -1))
    (func (export "wizer-initialize")
      (call $dirs (i32.const 16)) (global.set $dirs (i32.load (i32.const 20)))
      (call $envs (i32.const 32)) (global.set $envc (i32.load (i32.const 36))))
    (func (export "dirs") (result i32) (global.get $dirs))
    (func (export "envc") (result i32) (global.get $envc)))
  (core instance $i (instantiate $m (with "host" (instance
    (export "dirs" (func $dirs)) (export "envs" (func $envs)) (export "memory" (memory $mem))))))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "dirs") (result s32) (canon lift (core func $i "dirs")))
  (func (export "envc") (result s32) (canon lift (core func $i "envc"))))'''


def _component_seen(tmp_path, *flags: str) -> tuple[int, int]:
    """(preopened directories, environment variables) that the component's init saw."""
    from wasmtime import component as wc
    src = tmp_path / "probe-component.wat"
    src.write_text(COMPONENT_PROBE)
    out = tmp_path / "out-component.wasm"
    assert cli.main(["init", str(src), "-o", str(out), "-S", "cli", *flags]) == 0
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wc.Linker(engine)
    linker.add_wasip2()
    inst = linker.instantiate(store, wc.Component(engine, out.read_bytes()))
    return inst.get_func(store, "dirs")(store), inst.get_func(store, "envc")(store)


def test_component_init_sees_no_host_directory_or_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "1")
    assert _component_seen(tmp_path) == (0, 0)


def test_component_init_sees_exactly_the_given_directory_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "1")
    (tmp_path / "data").mkdir()
    assert _component_seen(tmp_path, "--dir", f"{tmp_path / 'data'}::/data", "--env", "A=1", "--env", "B=2") == (1, 2)


def test_component_init_inherits_the_host_environment_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZERSCOPE_HOST_SECRET", "1")
    dirs, envc = _component_seen(tmp_path, "--inherit-env")
    assert dirs == 0 and envc >= 1      # the process's C environment (wasmtime reads it, not os.environ)
