import pytest

from loyalty.cart import total
from loyalty.tiers import tier_for


def test_total_empty():
    assert total([]) == 0


def test_total_rounds():
    assert total([0.1, 0.2]) == 0.3


@pytest.mark.parametrize("amount,tier", [(10, "basic"), (99, "basic"), (150, "silver")])
def test_tier_below_and_above(amount, tier):
    assert tier_for(amount) == tier


def test_gold_cart_at_threshold():
    assert tier_for(500) == "gold"


def test_silver_cart_at_threshold():
    assert tier_for(100) == "silver"


def test_basic_cart_below_threshold():
    assert tier_for(99.99) == "basic"
