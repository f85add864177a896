"""Outbound webhooks: Cadence's events, signed and POSTed to the systems that subscribed."""
