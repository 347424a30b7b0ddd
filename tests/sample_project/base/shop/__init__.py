"""shop: sessions, orders, inventory, a ledger and an API client for a small web shop."""

__version__ = "1.4.0"
