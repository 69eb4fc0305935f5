"""Repository facts: modules and their imports, the dependency graph, declared layers, hotspots."""
