"""Benchmarks with their recorded results (bench/RESULTS.md); run one with ``python -m bench.<name>``."""
