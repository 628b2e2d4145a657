"""What the user asked for: the reference CLI's flags as one dataclass, and the rules for their values.

The command line and the inspector's form both turn text into :class:`Options` through the
parsers here and then call :meth:`Options.validate`, so a value is accepted or refused the same way
wherever it was typed, with a message naming the option and what it accepts.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from ..errors import WizerscopeError

DEFAULT_INIT_FUNC = "wizer-initialize"
COMPILERS = ("auto", "winch", "cranelift")
_TRUE = {"true", "y", "yes", "1", "on"}
_FALSE = {"false", "n", "no", "0", "off"}
# wasmtime-py runs wasm on a 2 MiB stack and aborts the process for a larger wasm stack limit
MAX_WASM_STACK = 2 * 1024 * 1024
# the longest timeout a timer thread accepts (threading.TIMEOUT_MAX is about 292 years)
MAX_TIMEOUT = min(threading.TIMEOUT_MAX, 1e9)


class OptionError(WizerscopeError):
    """A bad option value: the user's typing, reported as a usage error (exit status 2)."""

    exit_code = 2


@dataclass
class Options:
    """Options of one pre-initialization; defaults match `wasmtime wizer`."""

    init_func: str = DEFAULT_INIT_FUNC
    renames: list[tuple[str, str]] = field(default_factory=list)   # (dst, src)
    keep_init_func: bool = False
    wasi: bool = False                                              # -S cli / --allow-wasi
    dirs: list[tuple[str, str]] = field(default_factory=list)       # (host, guest)
    env: list[tuple[str, str | None]] = field(default_factory=list)  # NAME[=VAL]; None = inherit
    inherit_env: bool = False
    preloads: list[tuple[str, str]] = field(default_factory=list)   # (name, path)
    timeout: float | None = None                                    # seconds (epoch interruption)
    fuel: int | None = None
    max_memory: int | None = None                                   # bytes per linear memory
    compiler: str = "auto"          # -C compiler=: "auto" (Winch, else Cranelift), "winch", "cranelift"
    max_wasm_stack: int | None = None   # -W max-wasm-stack=BYTES; None: the most wasmtime-py allows
    cache: bool = True              # -C cache=y|n: wasmtime's compilation cache
    cache_config: str | None = None  # -C cache-config=FILE: wasmtime's cache configuration file
    # --deterministic: fixed advancing clocks, seeded randomness (runtime/host.py); --seed N implies it
    deterministic: bool = False
    seed: int | None = None                                         # None: the documented default
    clock_epoch: int | None = None  # wall clock start in seconds; None: SOURCE_DATE_EPOCH or the default
    drop_dead_stack: bool = False   # leave the stack bytes below the final stack pointer out (deadstack.py)
    clock_offset_ns: int = 0        # added to every deterministic clock reading (the determinism check's
                                    # clock intervention: a shift that is not whole seconds)

    def validate(self) -> "Options":
        """Raise :class:`OptionError` unless every value is one the run can honour; return self."""
        if not self.init_func:
            raise OptionError("the init function (-f/--init-func) is empty: name an export")
        if self.timeout is not None and not (math.isfinite(self.timeout) and 0 < self.timeout <= MAX_TIMEOUT):
            raise OptionError(f"--timeout {self.timeout!r}: expected a number of seconds above 0 and at most "
                              f"{MAX_TIMEOUT:g}")
        for name, value in (("--fuel", self.fuel), ("--max-memory", self.max_memory)):
            if value is not None and value < 0:
                raise OptionError(f"{name} {value}: expected a whole number of 0 or more")
        if self.max_wasm_stack is not None and not 0 < self.max_wasm_stack <= MAX_WASM_STACK:
            raise OptionError(f"-W max-wasm-stack={self.max_wasm_stack}: expected a number of bytes above 0 and at "
                              f"most {MAX_WASM_STACK} (2 MiB, the stack wasmtime-py runs wasm on)")
        if self.compiler not in COMPILERS:
            raise OptionError(f"-C compiler={self.compiler}: expected auto, winch or cranelift")
        if (self.dirs or self.env or self.inherit_env) and not self.wasi:
            raise OptionError("--dir, --env and --inherit-env need WASI: add -S cli (or --allow-wasi)")
        if self.seed is not None and not 0 <= self.seed < 1 << 64:
            raise OptionError(f"--seed {self.seed}: expected a whole number from 0 to 2^64-1")
        check_renames(self.renames)
        return self


# -- values ---------------------------------------------------------------------------------------
def parse_bool(option: str, text: str) -> bool:
    """``y``/``n`` and friends, as wasmtime's flags take them."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise OptionError(f"{option}={text}: expected y or n (true/false, yes/no, 1/0, on/off)")


def parse_seconds(option: str, text: str) -> float:
    """A duration: plain seconds, or with ``ms``, ``s`` or ``m`` as wasmtime writes them."""
    t = text.strip()
    mult = 1.0
    for suffix, m in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if t.endswith(suffix):
            t, mult = t[: -len(suffix)], m
            break
    try:
        value = float(t) * mult
    except ValueError:
        raise OptionError(f"{option} {text!r}: expected a number of seconds (e.g. 10, 2.5, 500ms)") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise OptionError(f"{option} {text!r}: expected a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return value


def parse_count(option: str, text: str) -> int:
    """A whole number of 0 or more (fuel units, bytes)."""
    try:
        value = int(text.strip().replace("_", ""), 0)
    except ValueError:
        raise OptionError(f"{option} {text!r}: expected a whole number of 0 or more") from None
    if value < 0:
        raise OptionError(f"{option} {text!r}: expected a whole number of 0 or more")
    return value


def parse_runs(option: str, text: str) -> int:
    """How many times to repeat a measurement: a whole number of 1 or more."""
    value = parse_count(option, text)
    if value < 1:
        raise OptionError(f"{option} {text!r}: expected a whole number of 1 or more")
    return value


def parse_rename(spec: str) -> tuple[str, str]:
    """``dst=src`` → (dst, src), with the reference's error wording."""
    if spec.count("=") != 1:
        raise OptionError(f"invalid rename `{spec}`: must contain exactly one equals character ('=')")
    dst, src = spec.split("=")
    return dst, src


def check_renames(renames: list[tuple[str, str]]) -> dict[str, str]:
    """Map src → dst, rejecting duplicates exactly as the reference does."""
    dsts: set[str] = set()
    by_src: dict[str, str] = {}
    for dst, src in renames:
        if dst in dsts:
            raise WizerscopeError(f"Duplicated function rename dst {dst}")
        if src in by_src:
            raise WizerscopeError(f"Duplicated function rename src {src}")
        dsts.add(dst)
        by_src[src] = dst
    return by_src


def parse_dir(spec: str) -> tuple[str, str]:
    """``HOST[::GUEST]`` → (host, guest); the guest path defaults to the host path."""
    if "::" in spec:
        host, guest = spec.split("::", 1)
        return host, guest
    return spec, spec


def parse_env(spec: str) -> tuple[str, str | None]:
    """``NAME[=VAL]`` → (name, value); no value means "the host's value"."""
    if "=" in spec:
        k, v = spec.split("=", 1)
        return k, v
    return spec, None


def parse_preload(spec: str) -> tuple[str, str]:
    if spec.count("=") < 1:
        raise OptionError(f"Bad preload option: {spec} (must be of form name=file)")
    name, path = spec.split("=", 1)
    return name, path


# -- wasmtime's -S, -W and -C groups ------------------------------------------------------------------
# every proposal is on already; these -W keys are accepted and change nothing
_ACCEPTED_WASM = ("relaxed-simd-deterministic", "all-proposals", "threads", "shared-memory", "custom-page-sizes",
                  "memory64", "multi-memory", "gc", "exceptions", "function-references", "simd", "relaxed-simd",
                  "bulk-memory", "reference-types", "tail-call", "component-model", "wide-arithmetic",
                  "extended-const", "multi-value")


def _pairs(group: str, text: str):
    for part in text.split(","):
        key, eq, val = part.partition("=")
        yield key.strip(), (val if eq else None), f"{group} {part}"


def apply_wasi_flags(opts: Options, text: str) -> None:
    """``-S cli,inherit-env=y,...``."""
    for key, val, shown in _pairs("-S", text):
        on = parse_bool(shown.split("=")[0], val) if val is not None else True
        if key == "cli":
            opts.wasi = on
        elif key == "inherit-env":
            opts.inherit_env = on
        elif key in ("inherit-stdin", "inherit-stdout", "inherit-stderr", "preview2"):
            pass
        else:
            raise OptionError(f"unsupported WASI option {shown}",
                              hint="understood: cli, inherit-env (inherit-stdin/stdout/stderr and preview2 are "
                                   "accepted and change nothing)")


def apply_wasm_flags(opts: Options, text: str) -> None:
    """``-W timeout=10s,fuel=N,max-memory-size=BYTES,unknown-imports-trap=y,...``."""
    for key, val, shown in _pairs("-W", text):
        if key == "unknown-imports-trap":
            # unknown function imports always trap when called here; the value is still checked
            if val is not None:
                parse_bool(shown.split("=")[0], val)
        elif key == "timeout":
            opts.timeout = parse_seconds("-W timeout", val or "")
        elif key == "fuel":
            opts.fuel = parse_count("-W fuel", val or "")
        elif key == "max-memory-size":
            opts.max_memory = parse_count("-W max-memory-size", val or "")
        elif key == "max-wasm-stack":
            opts.max_wasm_stack = parse_count("-W max-wasm-stack", val or "")
        elif key in _ACCEPTED_WASM:
            if val is not None:
                parse_bool(shown.split("=")[0], val)
        else:
            raise OptionError(f"unsupported wasm option {shown}",
                              hint="understood: timeout=S, fuel=N, max-memory-size=BYTES, max-wasm-stack=BYTES, "
                                   "unknown-imports-trap=y, "
                                   "and the proposal toggles (every proposal is on)")


def apply_codegen_flags(opts: Options, text: str) -> None:
    """``-C compiler=auto|winch|cranelift``, ``-C cache=y|n``, ``-C cache-config=FILE``; wasmtime's
    other -C options change nothing here."""
    for key, val, shown in _pairs("-C", text):
        if key == "compiler":
            if val not in COMPILERS:
                raise OptionError(f"-C compiler={val}: expected auto, winch or cranelift")
            opts.compiler = val
        elif key == "cache":
            opts.cache = parse_bool("-C cache", val) if val is not None else True
        elif key == "cache-config":
            if not val:
                raise OptionError("-C cache-config: expected the path of a wasmtime cache configuration file")
            opts.cache_config = val
