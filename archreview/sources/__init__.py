"""Sources: which files belong to a repository at a ref, their bytes, and every git call (hardened)."""
