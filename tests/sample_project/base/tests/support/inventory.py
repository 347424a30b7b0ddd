"""A scratch stock cache for the inventory tests."""
import sqlite3

import pytest


@pytest.fixture
def inventory_cache():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE stock_cache (sku TEXT PRIMARY KEY, qty INTEGER)")
    yield conn
    conn.execute("DROP TABLE stock_cache_tmp")
    conn.close()
