"""init's output through pipes: every byte reaches the sink, in order per stream, and flush()
returns only once what was written is there (the report's tails are read right after)."""
from __future__ import annotations

import os

import pytest

from wizerscope.preinit.runtime.outpipes import OutputPipes

pytestmark = pytest.mark.skipif(not OutputPipes.available(), reason="no /proc/self/fd")


class FakeConfig:
    """Stands in for WasiConfig: opens the path it is given, as wasmtime does."""

    def __setattr__(self, name: str, path: str) -> None:
        object.__setattr__(self, name, open(path, "wb", buffering=0))


def test_every_byte_arrives_in_order_and_flush_waits_for_them():
    got: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    pipes = OutputPipes(lambda stream, data: got[stream].extend(data))
    cfg = FakeConfig()
    assert pipes.attach(cfg)
    payload = os.urandom(3 << 20)
    for i in range(0, len(payload), 5000):
        cfg.stdout_file.write(payload[i:i + 5000])
    cfg.stderr_file.write(b"warning: done\n")
    pipes.flush()
    assert bytes(got["stdout"]) == payload and bytes(got["stderr"]) == b"warning: done\n"
    cfg.stdout_file.close()
    cfg.stderr_file.close()                      # both write ends gone: the thread ends


def test_a_big_init_output_is_kept_as_its_tail_through_the_pipes(tmp_path):
    from wizerscope.inspector.session import Session
    from wizerscope.preinit.runtime.init_report import OUTPUT_KEPT
    wat = tmp_path / "loud.wat"
    wat.write_text("""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "0123456789abcdef")
  (func (export "wizer-initialize") (local $i i32)
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 16))
    (loop $l
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 65536))))))""")
    s = Session.open(str(wat))
    s.options.wasi = True
    seen = []
    out = s.run(output=lambda stream, data: seen.append(len(data)))
    assert out.ok
    assert sum(seen) == 16 * 65536 and out.init.stdout == b"0123456789abcdef" * (OUTPUT_KEPT // 16)
    assert out.init.output_dropped == 16 * 65536 - OUTPUT_KEPT
