"""Batch reviews across many repositories: the batch file, and running each review isolated."""
