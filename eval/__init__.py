"""Evaluation harness: judges the system from outside, through the public API a user calls."""
