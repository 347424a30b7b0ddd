"""Helpers for the ledger's unittest cases."""
from shop.ledger import Ledger


class LedgerFactory:
    def new_ledger(self, opening_balance=0):
        return Ledger(opening_balance)
