"""Stock levels per SKU."""


class Inventory:
    def __init__(self, stock=None):
        self.stock = dict(stock or {})

    def take(self, sku, n):
        left = self.stock[sku] - n
        if left < 0:
            raise ValueError(f"not enough {sku}: {self.stock[sku]} left, {n} wanted")
        self.stock[sku] = left
        return left
