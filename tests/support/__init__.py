"""Helpers shared by test modules, which never import one another (scripts/check_tests.py enforces it)."""
