"""Facts commerce publishes (see README.md). Declared here, published by services."""
