from shop.orders import Order


def test_order_total():
    assert Order([5, 7]).total == 12


def test_empty_order():
    assert Order([]).total == 0
