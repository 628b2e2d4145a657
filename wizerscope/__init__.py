"""wizerscope: pre-initialize WebAssembly modules and components, and watch it happen."""
__version__ = "0.1.0"
