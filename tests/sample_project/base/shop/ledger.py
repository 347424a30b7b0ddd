"""A double-entry ledger, reduced to one account."""
from decimal import Decimal


class Ledger:
    def __init__(self, opening_balance=0):
        self.entries = [("opening", Decimal(opening_balance))]

    def post(self, memo, amount):
        self.entries.append((memo, Decimal(amount)))
        return len(self.entries) - 1

    def reverse(self, entry_id):
        memo, amount = self.entries[entry_id]
        return self.post(f"reversal of {memo}", -amount)

    def balance(self):
        return sum(amount for _, amount in self.entries)
