"""The cross-context consumers: each one turns an event into a call of another context's api."""
