"""The service configuration."""
import pytest

from shop.config import ShopConfig


@pytest.fixture
def config():
    return ShopConfig.from_env()
