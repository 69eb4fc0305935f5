"""Calls to services outside BuildRight."""
