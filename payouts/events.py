"""Facts payouts publishes (see README.md). Declared here, published by services."""
