"""The Textual inspector. Imported only by ``wizerscope FILE``; the headless paths never load it."""
