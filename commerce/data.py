"""Payloads of commerce's events and API: frozen dataclasses, standard library only."""
