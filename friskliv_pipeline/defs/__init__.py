"""Dagster definitions, one module per layer in data order: reference, raw, clean (then checks, marts, publish)."""
