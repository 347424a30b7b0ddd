import pytest

import shop
from shop.money import format_money


def test_version():
    assert shop.__version__ == "1.4.0"


@pytest.mark.parametrize("amount, currency, shown", [
    (12.5, "EUR", "12.50 EUR"),
    (0.99, "USD", "0.99 USD"),
])
def test_format_money(amount, currency, shown):
    assert format_money(amount, currency) == shown
