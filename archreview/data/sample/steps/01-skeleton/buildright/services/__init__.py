"""Business logic. Services get their repositories through the constructor."""
