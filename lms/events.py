"""Facts the LMS publishes (see README.md). Declared here, published by services."""
