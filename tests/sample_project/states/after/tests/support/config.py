"""The service configuration, with a throw-away database for the suite."""
import pytest

from shop.config import ShopConfig


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("SHOP_DB_URL", "sqlite:///:memory:")
    return ShopConfig.from_env()
