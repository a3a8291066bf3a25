"""Benchmarks of the pipeline against a bare-pandas script (see benchmarks/README section in the main README)."""
