"""Benchmarks: `python -m benchmarks.<name>` times nestlab against a baseline in the same run."""
