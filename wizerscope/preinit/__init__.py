"""The pre-initializer: check → instrument → run → snapshot → rewrite. Uses wasmtime, never Textual."""
from .options import Options
from .pipeline import Result, analyze_module, instrument, preinit

__all__ = ["Options", "Result", "analyze_module", "instrument", "preinit"]
