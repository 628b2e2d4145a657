"""Pre-initialization of WAT fixtures checked against `wasmtime wizer` (the `reference` fixture)."""
