"""Keeps a pytest run over the repository's tests/ out of the sample project.

The project's states are run only by tests/make_samples.py, each in a copy of
its own (the test files are meant to fail in most states).
"""
collect_ignore = ["base", "states"]
