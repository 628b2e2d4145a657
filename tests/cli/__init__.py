"""The command line as a user runs it: `wizerscope init` and `wizerscope inspect`."""
