"""The pre-initializer: check → instrument → run → snapshot → rewrite → validate, driven by
:func:`~wizerscope.preinit.pipeline.drive` for the pipeline :func:`~wizerscope.preinit.choose.
pipeline_for` picks. Uses wasmtime, never Textual or Rich.

``from wizerscope.preinit import preinit, Options`` is the library entry point; the names load
lazily so that importing a stage (or the options) does not load wasmtime.
"""
from __future__ import annotations

__all__ = ["Options", "pipeline_for", "preinit"]


def __getattr__(name: str):
    if name == "Options":
        from .options import Options
        return Options
    if name in ("pipeline_for", "preinit"):
        from . import choose
        return getattr(choose, name)
    raise AttributeError(name)
