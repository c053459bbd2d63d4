"""Benchmarks: each script prints its figure and a baseline measured in the same run."""

__all__: list[str] = []
