"""Runnable recipes that chain filmcolor's stages: the demo, the end-to-end pipeline, the
benchmarks."""
