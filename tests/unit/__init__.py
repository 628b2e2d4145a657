"""Tests of one part of wizerscope at a time, in-process (parser, segments, scans, the inspector model)."""
