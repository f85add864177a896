"""commerce's only entry point for other code: takes and returns ``commerce.data`` types."""
