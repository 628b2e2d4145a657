"""The Textual inspector: pilot tests and SVG snapshots (__snapshots__/<test file>/)."""
