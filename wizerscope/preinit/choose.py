"""The one place that tells a module from a component: the 8-byte header picks the pipeline.

Every caller (the CLI, the inspector, the determinism check, the fuzzers) asks here once and then
talks to the :class:`~wizerscope.preinit.pipeline.Pipeline` it gets, so no code elsewhere
branches on the kind of input.
"""
from __future__ import annotations

from typing import Callable

from ..binary.module import header_kind
from .module_pipeline import ModulePipeline
from .pipeline import Pipeline


def pipeline_for(wasm: bytes | memoryview, on_digest: Callable[[str, str], None] | None = None) -> Pipeline:
    """The pipeline for ``wasm``, its structure parsed (raises BinaryFormatError when it cannot be).
    ``on_digest(kind, sha256 hex)`` runs as soon as the input is hashed, while the parse goes on
    (:func:`~wizerscope.preinit.pipeline.code_check_ahead`)."""
    kind = header_kind(wasm)
    then = (lambda digest: on_digest(kind, digest)) if on_digest is not None else None
    if kind == "module":
        return ModulePipeline(wasm, then)
    from .component.pipeline import ComponentPipeline
    return ComponentPipeline(wasm, then)


def preinit(wasm: bytes | memoryview, options=None):
    """Pre-initialize ``wasm`` (module or component) with ``options``: the library entry point.
    Returns the :class:`~wizerscope.preinit.pipeline.Run`; raises a WizerscopeError on failure."""
    from .options import Options
    from .pipeline import drive
    return drive(pipeline_for(wasm), options or Options())
