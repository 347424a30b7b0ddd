# import_error: a module-level attribute lookup fails while the test module loads.
from shop import inventory

Store = inventory.Warehouse


def test_store():
    assert Store()
