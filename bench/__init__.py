"""Benchmarks with committed baselines (`make bench`)."""
