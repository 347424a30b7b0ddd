"""Fixtures and helpers for the shop's tests; tests/conftest.py makes them visible."""
