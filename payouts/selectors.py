"""payouts's reads."""
