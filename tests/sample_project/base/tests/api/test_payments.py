from decimal import Decimal

import pytest

from shop.gateway import CardDeclined, PaymentGateway


def test_charge():
    receipt = PaymentGateway().charge("4242424242424242", Decimal("19.90"))
    assert receipt.amount == Decimal("19.90")


def test_refund():
    gateway = PaymentGateway()
    receipt = gateway.charge("4242424242424242", Decimal("19.90"))
    assert gateway.refund(receipt) == Decimal("-19.90")


def test_declined_card():
    with pytest.raises(CardDeclined):
        PaymentGateway().charge("4000000000000002", Decimal("5.00"))
