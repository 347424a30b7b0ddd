"""Makes the fixtures of tests/support/ visible to every test."""
from support.auth import auth_url  # noqa: F401
from support.config import config  # noqa: F401
from support.db import live_db  # noqa: F401
from support.inventory import inventory_cache  # noqa: F401
from support.services import api_server, catalog_server  # noqa: F401
