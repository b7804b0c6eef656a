"""Benchmarks of ips-map against what a user would write by hand (issue 3).

Run ``python -m bench`` from the repository root (``make bench``); ``bench/README.md``
explains each figure. Groups: weight, fidelity, build, draw, scale (one module each).
"""
