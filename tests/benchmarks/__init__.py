"""Smoke tests of the benchmark scripts and their generators."""
