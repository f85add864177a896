"""Connectors publish nothing of their own and are called by no context; see README.md."""
