"""Fuzzing option values and WAVE arguments in the suite: the harness of scripts/fuzz_args.py on a
CI-sized budget. Every command line ends in argparse's usage error, a clean one-paragraph error or
options a run can honour; every WAVE call in a clean error or values that fit their types. The long
run is ``python scripts/fuzz_args.py --count 20000``."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts import fuzz_args as H

TYPES = H.wave_types()
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_option_command_lines(rnd):
    assert H.check_options(H.option_argv(rnd)) in ("usage", "error", "ok")


@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_wave_calls(rnd):
    text, which = H.wave_call(rnd, len(TYPES))
    assert H.check_wave(text, which, TYPES) in ("parse-error", "type-error", "ok", "name")


@pytest.mark.parametrize("text", ["f({y: some(none), z: {a, c})", "f({)", "f({x: 1, %)", "f(%)"])
def test_found_by_the_fuzzer(text):
    """Unterminated braces once indexed past the end of the text (IndexError)."""
    assert H.check_wave(text, [17], TYPES) in ("parse-error", "type-error")


def test_harness_run_counts_both_kinds():
    report = H.run(50, seed=3)
    assert report["crashes"] == [] and report["inputs"] == 100
    assert {k.split(":")[0] for k in report["outcomes"]} == {"options", "wave"}
