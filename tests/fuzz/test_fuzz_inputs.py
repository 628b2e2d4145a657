"""Mutation fuzzing in the suite: the harness of scripts/fuzz_inputs.py on a CI-sized budget.

Hostile bytes derived from real modules and components (built from WAT, plus the shared corpus
when it is present) must end in a clean WizerscopeError or a valid output; any other exception is
a bug. The long run (>= 10,000 inputs) is ``python scripts/fuzz_inputs.py``.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts import fuzz_inputs as H
from tests.helpers import CORPUS
from tests.helpers.cli import run_cli

WAT_SEEDS = H.seeds(corpus=None)
ALL_SEEDS = H.seeds(CORPUS)
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def test_seeds_preinitialize_cleanly():
    """The unmutated seeds reach the end of the pipeline (so mutations start from deep inside)."""
    outcomes = {s.name: H.check_input(s.wasm, H.options_for(s)) for s in WAT_SEEDS}
    assert outcomes == {"module.wat": "ok", "component.wat": "ok", "twice.wat": "ok", "counter.wat": "ok"}


@FUZZ
@given(seed=st.sampled_from(ALL_SEEDS), rnd=st.randoms(use_true_random=False))
def test_mutated_inputs_end_in_a_clean_error_or_a_valid_output(seed, rnd):
    data = H.mutate(seed.wasm, rnd, ALL_SEEDS)
    outcome = H.check_input(data, H.options_for(seed))
    assert outcome == "ok" or outcome.startswith("error:")


@FUZZ
@given(seed=st.sampled_from(WAT_SEEDS), mutator=st.sampled_from(H.MUTATORS), rnd=st.randoms(use_true_random=False))
def test_every_mutator_on_every_wat_seed(seed, mutator, rnd):
    data = mutator(seed.wasm, rnd, seed.wasm) if mutator is H.splice else mutator(seed.wasm, rnd)
    H.check_input(data, H.options_for(seed))


@pytest.mark.parametrize("seed", WAT_SEEDS, ids=lambda s: s.name)
def test_truncation_at_every_byte(seed):
    """Each prefix: a clean error, or (at a section boundary) a valid smaller input."""
    outcomes = {H.check_input(seed.wasm[:i], H.options_for(seed)) for i in range(len(seed.wasm))}
    assert "error:BinaryFormatError" in outcomes


@pytest.mark.skipif(not (CORPUS / "comp_counter.wasm").is_file(), reason="shared corpus not built (or not yet)")
def test_truncating_a_corpus_component_at_many_points():
    comp = next(s for s in ALL_SEEDS if s.name == "comp_counter.wasm")
    for i in range(0, len(comp.wasm), 7):
        H.check_input(comp.wasm[:i], H.options_for(comp))


def test_mutated_inputs_through_the_cli(tmp_path):
    """The real process: exit 0 with a file, or exit 1 with one 'error:' paragraph and no file."""
    rnd = random.Random(5)
    seen = set()
    for i in range(6):
        seed = WAT_SEEDS[i % len(WAT_SEEDS)]
        src, out = tmp_path / f"in{i}.wasm", tmp_path / f"out{i}.wasm"
        src.write_bytes(H.mutate(seed.wasm, rnd, WAT_SEEDS))
        p = run_cli("init", str(src), "-o", str(out), "--fuel", str(H.FUEL), "--keep-init-func")
        seen.add(p.returncode)
        assert p.returncode in (0, 1), p.stderr
        if p.returncode == 1:
            err = p.stderr.decode()
            assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err, err
            assert not out.exists()
        else:
            assert out.read_bytes()[:4] == b"\0asm"
    assert 1 in seen
