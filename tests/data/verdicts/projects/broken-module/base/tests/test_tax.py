from pricing.rates import tax_for


def test_standard_tax():
    assert tax_for(100) == 20
