from pricing.rates import discount_for


def test_gold_rate():
    assert discount_for("gold", 100) == 10


def test_silver_rate():
    assert discount_for("silver", 100) == 5
