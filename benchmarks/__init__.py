"""Benchmarks: synthetic knowledge bases at 1k/10k/100k entries, our engine against baselines (`make bench`)."""
