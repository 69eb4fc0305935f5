"""The 22-item checklist: items as data, the rule registry, the detectors that attach evidence to items (one file
at a time), and what the repository stage decides about their findings with every file's facts (``across``)."""
