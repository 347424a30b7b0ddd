from shop.cart import is_gold


def test_small_cart_is_not_gold():
    assert not is_gold(20)


def test_big_cart_is_gold():
    assert is_gold(900)
