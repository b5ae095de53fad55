"""Synthetic, deterministic data at any scale, for benchmarks and capacity planning."""
