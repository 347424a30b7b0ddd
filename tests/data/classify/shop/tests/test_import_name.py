# import_error: the name is gone from a module that exists.
from shop.inventory import Warehouse


def test_warehouse():
    assert Warehouse()
