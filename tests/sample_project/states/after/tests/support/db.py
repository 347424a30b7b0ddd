"""A real database for each test that needs one."""
import pytest

from shop import db


@pytest.fixture
def live_db(config):
    conn = db.connect(config.db_url)
    yield conn
    conn.close()
