"""Payloads of payouts's events and API: frozen dataclasses, standard library only."""
