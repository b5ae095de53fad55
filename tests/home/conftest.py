"""Fixtures of the home page tests; the builders live in tests.people.helpers."""
