"""The payment gateway client (a local simulation of the provider's test mode)."""
import itertools
from dataclasses import dataclass
from decimal import Decimal


class CardDeclined(Exception):
    pass


@dataclass(frozen=True)
class Receipt:
    id: str
    amount: Decimal


class PaymentGateway:
    DECLINED = {"4000000000000002"}

    def __init__(self):
        self._ids = itertools.count(1)

    def charge(self, card, amount):
        if card in self.DECLINED:
            raise CardDeclined(card[-4:])
        return Receipt("ch_%04d" % next(self._ids), Decimal(amount))

    def refund(self, receipt):
        return -receipt.amount
