# import_error: the module a test imports does not exist.
from shop.gateway import Gateway


def test_charge():
    assert Gateway().charge(10) == "ok"
