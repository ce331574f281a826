"""Pieces of the `qa` command (qa/cli.py): shared plumbing, how results are printed, and `qa bench`."""
