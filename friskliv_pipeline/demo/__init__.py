"""Generated data: the demo exports of grant years 2023 and 2024 and the benchmark's scaled copies."""
