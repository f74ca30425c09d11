"""Benchmarks (``make bench`` → ``python -m bench``): speed and memory of every stage, each
measured against a baseline taken in the same run, so ratios stay meaningful on a busy machine.

Benchmarks are not tests: nothing here asserts a time. ``tests/bench/test_common.py`` checks
only the arithmetic (percentiles, ratios, verdicts).
"""
