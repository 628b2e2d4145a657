"""Real inputs from the shared corpus (/tmp/wizerscope-corpus); skipped when it is not built."""
