"""Stock levels per SKU."""


class OutOfStock(Exception):
    pass


class Inventory:
    def __init__(self, stock=None, prices=None):
        self.stock = dict(stock or {})
        self.prices = dict(prices or {})
        # Reserved units stay in stock until the order ships.
        self.reserved = {}

    def available(self, sku):
        return self.stock.get(sku, 0) - self.reserved.get(sku, 0)

    def reserve(self, sku, qty):
        if self.available(sku) < qty:
            raise OutOfStock(sku)
        self.reserved[sku] = self.reserved.get(sku, 0) + qty

    def release(self, sku, qty):
        self.stock[sku] = self.stock.get(sku, 0) + qty

    def restock(self, items):
        for sku, qty in items.items():
            self.release(sku, qty)

    def average_price(self):
        return sum(self.prices.values()) / len(self.prices)

    def sync_to(self, conn):
        conn.executemany("INSERT OR REPLACE INTO stock_cache (sku, qty) VALUES (?, ?)",
                         sorted(self.stock.items()))
