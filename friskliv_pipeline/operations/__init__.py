"""Running the pipeline: the ``friskliv`` CLI, the Dagster instance, the per-year lock, progress and what a run prints."""
