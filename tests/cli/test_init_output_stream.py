"""Init's stdout and stderr are streamed as they are written (issue 11): the CLI shows them at
once, the pipeline's hooks see every byte, and the report keeps a bounded tail instead of the
whole stream (no temporary file, no unbounded memory)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import wasmtime

from wizerscope.preinit import Options
from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.pipeline import Hooks, drive
from wizerscope.preinit.runtime.init_report import OUTPUT_KEPT, OutputTail

def _default_signals() -> None:
    """In the child: default dispositions, whatever the suite inherited (a background or nohup run
    ignores SIGINT and SIGHUP, and wizerscope keeps ignored signals ignored)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)



def _printer(fd: int, times: int, then_loop: bool = False, size: int = 4096) -> str:
    """An init that writes ``size`` bytes ("x...\\n") to ``fd`` ``times`` times (then loops forever)."""
    forever = "(loop $f (br $f))" if then_loop else ""
    return f'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (local $n i32)
    (memory.fill (i32.const 64) (i32.const 120) (i32.const {size}))
    (i32.store8 (i32.const {63 + size}) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const {size}))
    (local.set $n (i32.const {times}))
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (drop (call $w (i32.const {fd}) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    {forever}))'''


class _Counting(Hooks):
    def __init__(self) -> None:
        self.seen = {"stdout": 0, "stderr": 0}

    def output(self, stream: str, data: bytes) -> None:
        self.seen[stream] += len(data)


def test_hooks_see_every_byte_and_the_report_keeps_a_tail():
    wasm = wasmtime.wat2wasm(_printer(1, 1024))          # 4 MiB on stdout
    hooks = _Counting()
    run = drive(pipeline_for(wasm), Options(wasi=True), hooks)
    assert hooks.seen == {"stdout": 4096 * 1024, "stderr": 0}
    assert len(run.init.stdout) == OUTPUT_KEPT and run.init.stdout.endswith(b"x\n")
    assert run.init.output_dropped == 4096 * 1024 - OUTPUT_KEPT


def test_output_tail_keeps_the_end():
    tail = OutputTail(limit=5)
    for chunk in (b"abc", b"defg", b"h"):
        tail.add(chunk)
    assert tail.value() == b"defgh" and tail.dropped == 3


def test_cli_streams_stderr_while_init_still_runs(tmp_path):
    """The line init printed arrives while init loops; then Ctrl-C stops it (exit 130)."""
    (tmp_path / "p.wat").write_text(_printer(2, 1, then_loop=True, size=6))
    env = dict(os.environ, TMPDIR=str(tmp_path))
    p = subprocess.Popen([sys.executable, "-m", "wizerscope", "init", "p.wat", "-S", "cli", "-o", "out.wasm"],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_signals)
    assert p.stderr.readline() == b"xxxxx\n"          # before init ended: it never ends by itself
    p.send_signal(signal.SIGINT)
    rest = p.stderr.read()
    assert p.wait(120) == 130, rest
    assert sorted(os.listdir(tmp_path)) == ["p.wat"]


def test_cli_sends_init_stdout_to_stderr_when_stdout_carries_the_binary(tmp_path):
    (tmp_path / "p.wat").write_text(_printer(1, 2, size=6))
    p = subprocess.run([sys.executable, "-m", "wizerscope", "init", "p.wat", "-S", "cli", "-o", "-"], cwd=tmp_path,
                       capture_output=True, timeout=300)
    assert p.returncode == 0
    assert p.stdout.startswith(b"\0asm") and p.stderr == b"xxxxx\nxxxxx\n"
