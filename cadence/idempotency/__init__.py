"""Idempotent API requests for people: the ``Idempotency-Key`` header, with Stripe's rules.

A view method decorated with ``@idempotent("commerce.checkout")`` answers a repeat of a request
(same caller, same key, same endpoint and body) with the first answer, marked
``Idempotent-Replayed: true``. Imports no context: any context's views may use it.
"""
