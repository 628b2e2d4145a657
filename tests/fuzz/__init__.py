"""Generated and mutated inputs: the harnesses of scripts/fuzz_inputs.py and scripts/difffuzz.py on CI budgets."""
