"""payouts's writes: keyword-only functions, each in one transaction, raising payouts's errors."""
