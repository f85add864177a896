"""payouts's only entry point for other code: takes and returns ``payouts.data`` types."""
