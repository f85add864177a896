"""Payouts' DRF API: one view per operation, camelCase fields as in the spec."""
