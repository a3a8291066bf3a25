"""Benchmarks of the pipeline against a bare-pandas script (see docs/performance.md)."""
