"""The Wasm binary format, core and component: reading, framing and encoding. No runtime here."""
