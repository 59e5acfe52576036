"""Benchmarks: chainrule against micrograd, PyTorch, numpy and a CPython floor.

Run the whole suite with ``make bench`` (``.venv/bin/python bench/run.py``); see
``bench/README.md`` for the protocol and what each workload measures.
"""
