"""Command-line tools, each run as ``python scripts/NAME.py`` from the repository root.

A package so that the test suite imports the fuzz harnesses as modules (``scripts.fuzz_inputs``,
``scripts.difffuzz``) while they stay where their long runs are started from."""
