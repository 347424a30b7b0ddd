import pytest

from shop import cart
from shop.inventory import Inventory


def test_total():                            # assertion
    assert cart.total([(5, 1), (4, 2)]) == 13


def test_total_with_message():               # assertion
    lines = [(10, 2), (3, 3)]
    assert cart.total(lines) == 29, "wrong total for two lines"


def test_total_explicit():                   # assertion
    if cart.total([(5, 2), (5, 2)]) != 20:
        raise AssertionError("total of two lines is not 20")


def test_pytest_fail():                      # assertion
    pytest.fail("the cart should refuse a negative quantity")


def test_average_empty():                    # exception (product code)
    assert cart.average_price([]) == 0


def test_take_too_many():                    # exception (product code)
    assert Inventory({"sku-1": 1}).take("sku-1", 2) == -1


def test_unknown_sku():                      # exception (product code, a KeyError that is no setting)
    assert Inventory({}).take("sku-404", 1) == 0


def test_missing_order_file():               # exception (a data file, not configuration)
    assert cart.read_order("orders/42.csv")
