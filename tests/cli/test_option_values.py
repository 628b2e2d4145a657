"""Option values (issue 11): every out-of-range or malformed value is an argument error (exit 2)
that names the option and what it accepts, never a traceback, an "internal error" or a silently
disabled limit; the inspector's form goes through the same parsers (options.py)."""
from __future__ import annotations

import pytest

from tests.helpers import ROOT
from wizerscope import cli
from wizerscope.preinit import options as O

COUNTER = str(ROOT / "examples/counter.wat")

# flags -> (what the message names, what it says is accepted)
BAD = {
    "--timeout inf": ("--timeout", "seconds"),
    "--timeout 1e308": ("--timeout", "seconds"),
    "--timeout nan": ("--timeout", "seconds"),
    "--timeout -1": ("--timeout", "above 0"),
    "--timeout 0": ("--timeout", "above 0"),
    "--timeout abc": ("--timeout", "seconds"),
    "--fuel -1": ("--fuel", "whole number"),
    "--fuel 1.5": ("--fuel", "whole number"),
    "--max-memory -1": ("--max-memory", "whole number"),
    "--seed -1": ("--seed", "whole number"),
    "-W timeout=abc": ("-W timeout", "seconds"),
    "-W timeout=inf": ("-W timeout", "seconds"),
    "-W timeout": ("-W timeout", "seconds"),
    "-W fuel=x": ("-W fuel", "whole number"),
    "-W max-memory-size=-5": ("-W max-memory-size", "whole number"),
    "-S cli=maybe": ("-S cli", "y or n"),
    "-S inherit-env=2": ("-S inherit-env", "y or n"),
    "-W unknown-imports-trap=maybe": ("-W unknown-imports-trap", "y or n"),
    "-W simd=perhaps": ("-W simd", "y or n"),
    "-W no-such-thing=1": ("-W no-such-thing", "understood"),
    "-S no-such-thing": ("-S no-such-thing", "understood"),
    "-C compiler=gcc": ("-C compiler", "auto, winch or cranelift"),
    "--keep-init-func maybe": ("--keep-init-func", "y or n"),
}


def _exit_code(argv: list[str]) -> int:
    """cli.main's status; argparse's own usage errors (e.g. --keep-init-func) exit 2 by SystemExit."""
    try:
        return cli.main(argv)
    except SystemExit as e:
        return int(e.code)


@pytest.mark.parametrize("flags", sorted(BAD))
def test_bad_value_is_an_argument_error(tmp_path, capsys, flags):
    names, accepts = BAD[flags]
    out = tmp_path / "out.wasm"
    assert _exit_code(["init", COUNTER, "-o", str(out), *flags.split()]) == 2
    err = capsys.readouterr().err
    assert names in err and accepts in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("text", ["inf", "1e308", "nan", "-1", "0", "x", ""])
def test_form_timeout_gets_the_same_rules(text):
    """What the inspector's form calls for its timeout field."""
    with pytest.raises(O.OptionError, match="seconds"):
        O.parse_seconds("--timeout", text)


def test_validate_refuses_values_set_directly():
    """A library user (or the form) that sets a value without the parsers meets the same rules."""
    for field, value, option in (("timeout", float("inf"), "--timeout"), ("timeout", -1.0, "--timeout"),
                                 ("fuel", -1, "--fuel"), ("max_memory", -1, "--max-memory")):
        with pytest.raises(O.OptionError, match=option):
            O.Options(**{field: value}).validate()


@pytest.mark.parametrize("text, seconds", [("10", 10.0), ("2.5", 2.5), ("500ms", 0.5), ("2m", 120.0)])
def test_good_durations(text, seconds):
    assert O.parse_seconds("--timeout", text) == seconds
