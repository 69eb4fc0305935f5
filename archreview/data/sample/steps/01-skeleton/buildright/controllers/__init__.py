"""Thin HTTP layer: parse the request, call one service, serialise the result."""
