"""Cadence's benchmark: each figure against a bare baseline in the same run.

``python -m bench`` (``make bench``); see README, Benchmarks.
"""
