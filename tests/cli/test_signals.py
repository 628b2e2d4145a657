"""Signals (issue 11): SIGINT, SIGTERM and SIGHUP stop even an endless init (epoch interruption),
exit 128+N, and leave nothing behind: no working directory in the temp dir, no temporary file
beside the output, no output."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from wizerscope.cli import signals
from wizerscope.preinit.pipeline import Cancelled

def _default_signals() -> None:
    """In the child: default dispositions, whatever the suite inherited (a background or nohup run
    ignores SIGINT and SIGHUP, and wizerscope keeps ignored signals ignored)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


FOREVER = '(module (memory 1) (func (export "wizer-initialize") (loop $l (br $l))))'


def _wait_for_guard(p: subprocess.Popen) -> None:
    """Until the process catches SIGTERM (the guard is installed: before, a signal meets Python's
    start-up, not wizerscope), then a moment more so init is most likely running."""
    for _ in range(6000):
        with open(f"/proc/{p.pid}/status") as f:
            caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
        if caught & (1 << (signal.SIGTERM - 1)):
            time.sleep(0.5)
            return
        assert p.poll() is None, p.communicate()
        time.sleep(0.01)
    raise AssertionError("the signal guard was never installed")


def _start(tmp_path, *flags: str) -> subprocess.Popen:
    work, tmp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    (work / "forever.wat").write_text(FOREVER)
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.Popen([sys.executable, "-m", "wizerscope", "init", "forever.wat", "-o", "out.wasm", *flags],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_signals)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
                         ids=["INT", "TERM", "HUP"])
def test_signal_stops_an_endless_init_and_leaves_nothing(tmp_path, sig, code):
    p = _start(tmp_path)
    _wait_for_guard(p)              # most likely inside the endless loop by now; any later phase must work
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    assert b"Traceback" not in err and err.startswith(b"error: ")
    assert os.listdir(tmp_path / "tmp") == []
    assert os.listdir(tmp_path / "work") == ["forever.wat"]


def test_signal_also_stops_an_init_with_a_timeout(tmp_path):
    """A --timeout far away does not make the init ignore Ctrl-C."""
    p = _start(tmp_path, "--timeout", "600")
    _wait_for_guard(p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err


class _Runner:
    interrupted = 0

    def interrupt(self) -> None:
        self.interrupted += 1


def test_guard_raises_at_once_when_no_wasm_runs():
    guard = signals.SignalGuard()
    with pytest.raises(signals.Interrupted) as e:
        guard.handle(signal.SIGTERM, None)
    assert e.value.exit_code == 143


def test_guard_interrupts_a_running_init_and_raises_after_it():
    guard, runner = signals.SignalGuard(), _Runner()
    hooks = guard.hooks()
    hooks.started(runner)
    guard.handle(signal.SIGINT, None)          # wasm running: no raise inside its callbacks
    guard.wake()
    assert runner.interrupted == 1
    hooks.stopped(runner)
    with pytest.raises(signals.Interrupted):
        hooks.step("rewrite", None)


def test_second_signal_always_raises():
    guard = signals.SignalGuard()
    guard.attach(_Runner())
    guard.handle(signal.SIGINT, None)
    with pytest.raises(signals.Interrupted):
        guard.handle(signal.SIGINT, None)


def test_cancelled_trap_after_a_signal_becomes_interrupted():
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(signals.Interrupted):
        with signals.guarded() as guard:
            guard.attach(_Runner())
            guard.handle(signal.SIGINT, None)
            raise Cancelled("init: cancelled")
    assert signal.getsignal(signal.SIGINT) is before


def test_signal_stops_the_determinism_check(tmp_path):
    """--check-determinism runs init through the same guard."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "forever.wat").write_text(FOREVER)
    p = subprocess.Popen([sys.executable, "-m", "wizerscope", "init", "forever.wat", "--check-determinism"],
                         cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_signals)
    _wait_for_guard(p)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 143, err


def test_ignored_signals_stay_ignored():
    """Under ``nohup`` SIGHUP is ignored, in a background job SIGINT: the guard keeps that."""
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals.guarded():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old)


def test_a_signal_during_a_compile_does_not_wait_for_it():
    """wasmtime cannot stop a compile: the guard's hooks compile on a helper thread, so a signal
    raises Interrupted while the compile is still going (it is dropped when it ends)."""
    release = threading.Event()

    class SlowRunner:
        def compile(self, cache):
            release.wait(60)            # a compile that outlives the signal

    guard = signals.SignalGuard()
    hooks = guard.hooks()
    threading.Timer(0.1, lambda: setattr(guard, "received", signal.SIGINT)).start()
    try:
        with pytest.raises(signals.Interrupted) as e:
            hooks.compile(SlowRunner(), None)
        assert e.value.exit_code == 130 and not release.is_set()
    finally:
        release.set()


def test_a_compile_error_reaches_the_caller_through_the_guard():
    class Broken:
        def compile(self, cache):
            raise ValueError("bad module")

    with pytest.raises(ValueError, match="bad module"):
        signals.SignalGuard().hooks().compile(Broken(), None)


def test_a_signal_while_the_run_code_is_imported_ends_the_command_in_one_line():
    """Between the argument parsing and the guard (wasmtime and the stages are imported then),
    SIGTERM raises Interrupted (one line and 143 from main), and the handlers in place before
    are back afterwards."""
    from wizerscope.cli import _early_signals_stop
    from wizerscope.cli.interrupted import Interrupted
    def before(signum, frame):            # not ignored (a nohup run of the suite would ignore it)
        pass
    inherited = signal.signal(signal.SIGTERM, before)
    try:
        with pytest.raises(Interrupted) as e:
            with _early_signals_stop():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):           # the handler runs between bytecodes
                    time.sleep(0.001)
        assert e.value.exit_code == 143
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        signal.signal(signal.SIGTERM, inherited)
