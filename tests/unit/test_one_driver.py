"""The drift bugs of the old four drivers, each pinned: the CLI's path (``preinit``) and the
inspector's (``Session.run``, which adds progress, cancel and the state before init) go through
the same driver and so must cost and decide the same."""
from __future__ import annotations

import pytest

from wizerscope.errors import InitError
from wizerscope.inspector.session import Session
from wizerscope.preinit import choose
from wizerscope.preinit.component import pipeline as component_pipeline
from wizerscope.preinit.options import Options

from tests.helpers.inspector_wat import COUNTER, NESTED, write


@pytest.mark.parametrize("keep", [False, True])
def test_component_output_validation_is_the_same_in_cli_and_inspector(tmp_path, monkeypatch, keep):
    """The inspector used to compile every component output in full, without the guard the CLI
    has (only outputs whose functions we renumbered need it): 2.5 s against 0.05 s on
    componentize-py with --keep-init-func. Both paths now call the pipeline's one validate."""
    compiles: list[int] = []
    real = component_pipeline.validate_component
    monkeypatch.setattr(component_pipeline, "validate_component", lambda out: (compiles.append(len(out)), real(out)))
    path = write(tmp_path, "nested.wat", NESTED)
    cli = choose.preinit(Session.open(path).wasm, Options(keep_init_func=keep))
    cli_compiles = list(compiles)
    session = Session.open(path)
    session.options.keep_init_func = keep
    out = session.run()
    assert out.ok, out.error
    assert compiles[len(cli_compiles):] == cli_compiles          # same outputs, same full checks
    assert out.output == cli.output
    assert (cli_compiles == []) == keep                          # nothing renumbered: no full compile


def _least_fuel(wasm: bytes) -> int:
    """The smallest fuel budget with which the CLI's path pre-initializes ``wasm``."""
    lo, hi = 1, 1 << 24
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            choose.preinit(wasm, Options(fuel=mid))
            hi = mid
        except InitError:
            lo = mid + 1
    return lo


def test_the_state_before_init_costs_init_no_fuel(tmp_path):
    """Reading the state before init runs our own scan kernels in the init's store; the old
    inspector driver reset the limits by hand and could leave init with less fuel than the CLI
    gives it. With exactly the CLI's least budget the inspector's run succeeds; one less fails
    in both."""
    path = write(tmp_path, "counter.wat", COUNTER)
    session = Session.open(path)
    need = _least_fuel(session.wasm)
    session.options.fuel = need
    assert session.run().ok
    session.options.fuel = need - 1
    failed = session.run()
    assert isinstance(failed.error, InitError) and "ran out of fuel" in str(failed.error)
    assert failed.current_step == "init"


def test_one_message_for_an_invalid_output(monkeypatch, tmp_path):
    """The internal-error text for an output that fails validation was worded differently by
    each driver; it comes from one function now, whichever path runs."""
    from wizerscope.preinit import pipeline
    from wizerscope.preinit.runtime import engines
    from wizerscope.errors import WizerscopeError

    def refuse(wasm, what="input"):
        if what == "output":
            raise WizerscopeError("planted")
    monkeypatch.setattr(engines, "validate", refuse)
    path = write(tmp_path, "counter.wat", COUNTER)
    with pytest.raises(WizerscopeError) as cli:
        choose.preinit(Session.open(path).wasm, Options())
    out = Session.open(path).run()
    assert str(out.error) == str(cli.value) == str(pipeline.invalid_output("module", "planted"))
    assert out.current_step == "validate"


def test_rejections_are_computed_once(tmp_path, monkeypatch):
    """The old Session repeated the checker's work and copied its rejection; the session now
    reads the pipeline's rejections, computed once for its lifetime."""
    from wizerscope.preinit import module_pipeline
    calls = []
    real = module_pipeline.module_rejections
    monkeypatch.setattr(module_pipeline, "module_rejections", lambda *a: (calls.append(1), real(*a))[1])
    session = Session.open(write(tmp_path, "counter.wat", COUNTER))
    assert session.run().ok and session.run().ok and session.check() == []
    assert len(calls) == 1
