"""commerce's reads."""
