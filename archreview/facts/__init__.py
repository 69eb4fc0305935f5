"""Per-file facts: one parse per file, indexed once; imports, metrics, style, manifests. One module per language."""
