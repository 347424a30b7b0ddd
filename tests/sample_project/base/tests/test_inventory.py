import json
import pathlib

import pytest

from shop.inventory import Inventory, OutOfStock

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def warehouse():
    stock = json.loads((DATA / "stock.json").read_text())
    return Inventory(stock["stock"], stock["prices"])


class TestInventory:
    class TestReservations:
        def test_reserve_reduces_stock(self):
            inventory = Inventory({"tea/green": 10})
            inventory.reserve("tea/green", 3)
            assert inventory.stock["tea/green"] == 7

        def test_release_restores_stock(self):
            inventory = Inventory({"tea/green": 10})
            inventory.release("tea/green", 2)
            assert inventory.stock["tea/green"] == 12

        def test_cannot_overbook(self):
            inventory = Inventory({"tea/green": 1})
            with pytest.raises(OutOfStock):
                inventory.reserve("tea/green", 2)

    class TestRestock:
        @pytest.mark.parametrize("sku", ["SKU-1.5kg", "tea/green", "gift::card"])
        def test_restock_adds(self, sku):
            inventory = Inventory({sku: 1})
            inventory.restock({sku: 4})
            assert inventory.stock[sku] == 5

        class TestBulk:
            def test_bulk_restock(self):
                inventory = Inventory()
                inventory.restock({"a": 1, "b": 2})
                assert inventory.stock == {"a": 1, "b": 2}

    def test_average_price_empty(self):
        assert Inventory().average_price() == 0


def test_sync_with_cache(inventory_cache):
    Inventory({"tea/green": 3}).sync_to(inventory_cache)
    row = inventory_cache.execute("SELECT qty FROM stock_cache WHERE sku = 'tea/green'").fetchone()
    assert row == (3,)


def test_load_stock(warehouse):
    assert warehouse.stock["tea/green"] == 12
