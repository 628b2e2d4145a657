"""wasmtime as the pre-initializer uses it: engines, the sandbox a run happens in, trap reading,
WAT assembly, the wasm kernels, and (in :mod:`.internals` only) wasmtime-py's private API."""
