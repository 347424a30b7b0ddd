"""A cart whose total has a bug (it forgets the last line)."""


def total(lines):
    return sum(price * qty for price, qty in lines[:-1]) + (lines[-1][0] if lines else 0)


def average_price(lines):
    return sum(p for p, _ in lines) / len(lines)


def read_order(path):
    with open(path, encoding="utf-8") as f:
        return f.read()
