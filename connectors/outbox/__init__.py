"""The transactional outbox: events are stored with the fact, then relayed to consumers."""
