"""The one report model of a run, an inspection and a determinism check, and its one JSON writer.

:mod:`.model` holds the dataclasses (a component's report lists its modules, each shaped exactly
like a core module's), :mod:`.build` makes them from what the pre-initializer produced,
:mod:`.json` writes any of them with the ``schema`` version, and :mod:`.text` says them in words.
Nothing here imports Rich, Textual or wasmtime.
"""
