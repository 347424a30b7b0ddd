"""Money amounts as shown to customers."""
from decimal import ROUND_HALF_UP, Decimal


def format_money(amount, currency):
    """Formats `amount` with two decimals and the currency code: '12.50 EUR'."""
    cents = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{cents} {currency}"
