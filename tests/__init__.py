"""wizerscope's test suite.

A package, so that pytest imports the tests as ``tests.<folder>.<file>`` (with the repository root
on ``sys.path``) and the shared code in ``tests/helpers/`` is imported as ``tests.helpers``. The
folders hold one kind of test each: ``unit`` (one part of the package, in-process),
``conformance`` (pre-initialization against `wasmtime wizer` and its spec), ``cli`` (the
command line, in-process or as a real process), ``tui`` (the inspector through Textual's pilot and
snapshots), ``fuzz`` (generated and mutated inputs) and ``corpus`` (the shared corpus of real
inputs). The fixtures are in ``conftest.py``.
"""
