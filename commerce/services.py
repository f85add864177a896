"""commerce's writes: keyword-only functions, each in one transaction, raising commerce's errors."""
