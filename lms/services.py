"""lms's writes: keyword-only functions, each in one transaction, raising lms's errors."""
