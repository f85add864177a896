"""Payouts' writes: keyword-only functions, each in one transaction, raising ``PayoutsError``."""
