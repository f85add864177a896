"""The LMS's REST resources (``/api/v1/lms/…``): one view per operation, camelCase fields."""
