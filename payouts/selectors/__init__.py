"""Payouts' reads."""
