"""Tests of nestlab.diagnostics, one file a module."""
