from shop.orders import legacy_id


def test_legacy_order_ids():
    assert legacy_id(42) == "ORD-000042"
