"""lms's reads."""
