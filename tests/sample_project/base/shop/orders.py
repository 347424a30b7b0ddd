"""Orders and their totals."""
from decimal import ROUND_HALF_UP, Decimal


class Order:
    def __init__(self, order_id, discount_percent=0):
        self.id = order_id
        self.discount_percent = Decimal(discount_percent)
        self.lines = []
        self.state = "open"

    def add(self, sku, qty, unit_price):
        self.lines.append((sku, qty, Decimal(unit_price)))

    def subtotal(self):
        return sum((qty * price for _, qty, price in self.lines), Decimal("0.00"))

    def total(self):
        subtotal = self.subtotal()
        discount = (subtotal * self.discount_percent / 100).quantize(Decimal("1"), ROUND_HALF_UP)
        return (subtotal - discount).quantize(Decimal("0.01"))


def save(order, db):
    db.execute("INSERT OR REPLACE INTO orders (id, total, state) VALUES (?, ?, ?)",
               (order.id, str(order.total()), order.state))


def load_state(order_id, db):
    row = db.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
    return row[0] if row else None


def cancel(order_id, db):
    db.execute("UPDATE orders SET state = 'cancelled' WHERE id = ?", (order_id,))


def refund(order, days_since_delivery):
    if days_since_delivery > 90:
        raise NotImplementedError("refunds after 90 days go through customer care")
    return order.total()


def legacy_id(number):
    return f"ORD-{number:06d}"
