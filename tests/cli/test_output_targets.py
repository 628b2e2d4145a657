"""Where an output goes (issue 11): FIFOs and devices are written through, a symlink's target is
replaced atomically and the link kept, a file the caller may not write is refused, and every
short or failed write to stdout is an error instead of a truncated success."""
from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
import threading

import pytest

from tests.helpers import ROOT
from wizerscope import cli
from wizerscope.errors import WizerscopeError
from wizerscope.preinit import files

COUNTER = ROOT / "examples/counter.wat"
# an init that fills 1 MB of memory, so the output is larger than a pipe's buffer
BIG = '''(module (memory 20) (data (i32.const 0) "x")
  (func (export "wizer-initialize") (memory.fill (i32.const 100) (i32.const 7) (i32.const 1000000))))'''


def _wizerscope(*args: str, cwd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizerscope", *args], cwd=cwd, capture_output=True,
                          timeout=300, **kw)


def _expected(tmp_path) -> bytes:
    out = tmp_path / "expected.wasm"
    assert cli.main(["init", str(COUNTER), "-o", str(out)]) == 0
    return out.read_bytes()


def test_fifo_is_written_through_and_stays_a_fifo(tmp_path):
    expected = _expected(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert cli.main(["init", str(COUNTER), "-o", str(fifo)]) == 0
    reader.join(60)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got == [expected]
    assert sorted(os.listdir(tmp_path)) == ["expected.wasm", "pipe"]


def test_dev_stdout_is_written_through(tmp_path):
    """``-o /dev/stdout`` with stdout redirected to a file: the bytes land in that file."""
    expected = _expected(tmp_path)
    with open(tmp_path / "captured", "wb") as sink:
        p = subprocess.run([sys.executable, "-m", "wizerscope", "init", str(COUNTER), "-o", "/dev/stdout"],
                           stdout=sink, stderr=subprocess.PIPE, timeout=300)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "captured").read_bytes() == expected


def test_dev_null_stays_a_device(tmp_path):
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert cli.main(["init", str(COUNTER), "-o", "/dev/null"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path):
    expected = _expected(tmp_path)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "out.wasm"
    target.write_bytes(b"old")
    link = tmp_path / "link.wasm"
    link.symlink_to(target)
    assert cli.main(["init", str(COUNTER), "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == expected
    dangling = tmp_path / "dangling.wasm"
    dangling.symlink_to(tmp_path / "real" / "new.wasm")
    assert cli.main(["init", str(COUNTER), "-o", str(dangling)]) == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "new.wasm").read_bytes() == expected
    assert sorted(os.listdir(tmp_path / "real")) == ["new.wasm", "out.wasm"]


def test_file_the_caller_may_not_write_is_refused(tmp_path, monkeypatch, capsys):
    out = tmp_path / "ro.wasm"
    out.write_bytes(b"theirs")
    monkeypatch.setattr(files.os, "access", lambda p, mode: False)
    assert cli.main(["init", str(COUNTER), "-o", str(out)]) == 1
    assert "Permission denied" in capsys.readouterr().err
    assert out.read_bytes() == b"theirs"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to act as another user")
def test_read_only_file_of_another_user_is_refused(tmp_path):
    """A real second user: the directory is writable for everyone, the file only for root."""
    os.chmod(tmp_path, 0o777)
    src = tmp_path / "in.wat"
    src.write_text(COUNTER.read_text())
    out = tmp_path / "ro.wasm"
    out.write_bytes(b"root's")
    out.chmod(0o444)
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                        "wizerscope", "init", str(src), "-o", str(out)], capture_output=True, timeout=300,
                       cwd=ROOT)
    assert p.returncode == 1, p.stderr
    assert b"Permission denied" in p.stderr and b"Traceback" not in p.stderr
    assert out.read_bytes() == b"root's" and out.stat().st_uid == 0


def test_stdout_over_the_file_size_limit_is_an_error(tmp_path):
    (tmp_path / "big.wat").write_text(BIG)
    with open(tmp_path / "captured", "wb") as sink:
        p = subprocess.run([sys.executable, "-m", "wizerscope", "init", "big.wat", "-o", "-"], cwd=tmp_path,
                           stdout=sink, stderr=subprocess.PIPE, timeout=300,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (10240, 10240)))
    assert p.returncode == 1
    assert b"failed to write output to stdout" in p.stderr and b"Traceback" not in p.stderr


def test_stdout_reader_that_leaves_is_an_error(tmp_path):
    (tmp_path / "big.wat").write_text(BIG)
    p = subprocess.Popen([sys.executable, "-m", "wizerscope", "init", "big.wat", "-o", "-"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert len(p.stdout.read(10)) == 10
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(300) == 1
    assert b"failed to write output to stdout" in err


def test_json_report_on_a_closed_stdout_is_an_error(tmp_path):
    (tmp_path / "in.wat").write_text(COUNTER.read_text())
    p = subprocess.run(["sh", "-c", '"$0" -m wizerscope init in.wat -o out.wasm --json >&-', sys.executable],
                       cwd=tmp_path, capture_output=True, timeout=300)
    assert p.returncode == 1
    assert b"failed to write output to stdout" in p.stderr


def test_short_writes_are_continued(monkeypatch):
    """os.write may take part of the data: the rest follows, nothing is lost (where there is
    no writev)."""
    written: list[bytes] = []

    def short(fd, data):
        written.append(bytes(data[:3]))
        return len(written[-1])
    monkeypatch.delattr(files.os, "writev", raising=False)
    monkeypatch.setattr(files.os, "write", short)
    files._write_all(1, b"0123456789", "x")
    assert b"".join(written) == b"0123456789"


def test_pieces_are_gathered_and_short_gathers_continued(monkeypatch):
    """A binary still in pieces goes out through writev, IOV_MAX pieces a call; a call that
    takes part of them (ending inside a piece, or just after an empty one) is continued where it
    stopped, and a call that takes nothing is an error."""
    from wizerscope.binary.encode import LazyJoin
    pieces = [b"ab", b"", memoryview(b"xcdefx")[1:5], b"g" * 5000, b"", b"hij"] * 700
    whole = b"".join(pieces)
    written: list[bytes] = []
    calls: list[int] = []

    def short(fd, bufs):
        calls.append(len(bufs))
        assert len(bufs) <= files.IOV_MAX
        got = b"".join(bytes(b) for b in bufs)[:1 + len(calls) % 4099]
        written.append(got)
        return len(got)
    monkeypatch.setattr(files.os, "writev", short)
    files._write_all(1, LazyJoin(list(pieces)), "x")
    assert b"".join(written) == whole and len(calls) > 1

    monkeypatch.setattr(files.os, "writev", lambda fd, bufs: 0)
    with pytest.raises(WizerscopeError, match="nothing more could be written"):
        files._write_all(1, LazyJoin([b"", b"abc"]), "x")


def test_temporary_file_names_the_process(tmp_path, monkeypatch):
    seen: list[str] = []

    def interrupted(src, dst):
        seen.append(os.path.basename(src))
        raise KeyboardInterrupt
    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_output(str(tmp_path / "out.wasm"), b"\0asm\x01\0\0\0")
    assert seen and seen[0].startswith(f".wizerscope-{os.getpid()}-") and seen[0].endswith(".tmp")
    assert os.listdir(tmp_path) == []


def test_directory_as_output_is_a_clear_error(tmp_path):
    with pytest.raises(WizerscopeError, match="directory"):
        files.write_output(str(tmp_path), b"\0asm\x01\0\0\0")


@pytest.mark.parametrize("args", [["init", "in.wat", "--check", "--json"], ["inspect", "in.wat", "--json"],
                                  ["init", "in.wat", "--check-determinism", "--json"]])
def test_every_json_report_on_a_closed_stdout_is_an_error(tmp_path, args):
    (tmp_path / "in.wat").write_text(COUNTER.read_text())
    p = subprocess.run(["sh", "-c", '"$0" -m wizerscope "$@" >&-', sys.executable, *args],
                       cwd=tmp_path, capture_output=True, timeout=300)
    assert p.returncode != 0
    assert b"failed to write output to stdout" in p.stderr and b"Traceback" not in p.stderr
