"""What the user asked for: the reference CLI's flags as one dataclass."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import WizerscopeError

DEFAULT_INIT_FUNC = "wizer-initialize"


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
    unknown_imports_trap: bool = True                               # accepted for compatibility
    compiler: str = "auto"          # -C compiler=: "auto" (Winch, else Cranelift), "winch", "cranelift"


def parse_rename(spec: str) -> tuple[str, str]:
    """``dst=src`` → (dst, src), with the reference's error wording."""
    if spec.count("=") != 1:
        raise WizerscopeError(f"invalid rename `{spec}`: must contain exactly one equals character ('=')")
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
    if "=" in spec:
        k, v = spec.split("=", 1)
        return k, v
    return spec, None
