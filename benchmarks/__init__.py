"""Benchmarks: scripts that print figures and compare against a naive approach in the same run.

Run one with `.venv/bin/python -m benchmarks.<name>`, or list them with `.venv/bin/python -m benchmarks`.
"""
