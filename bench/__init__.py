"""Benchmarks of match speed and quality: `make bench`, `make bench-quality` (see RESULTS.md)."""
