"""The 22-item checklist: items as data, the rule registry, and the detectors that attach evidence to items."""
