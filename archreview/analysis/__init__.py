"""The analysis run: per-file work in worker processes, the content cache, snapshots and the one Analysis value."""
