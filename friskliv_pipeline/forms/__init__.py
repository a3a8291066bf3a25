"""The Microsoft Forms side: per-year form schemas and reading the response export."""
