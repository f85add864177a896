"""Requests from outside systems: connector keys, signatures, rate limits and idempotency."""
