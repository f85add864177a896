"""The bare DRF app the web figures are compared with: Django's standard security, session, CSRF
and auth middleware, session auth, one row read or one row insert per request."""
