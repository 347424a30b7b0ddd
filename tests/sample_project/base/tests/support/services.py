"""The HTTP services the API client tests talk to."""
import pytest

from support.net import silent_listener, unused_address


@pytest.fixture
def api_server():
    """The shop API; developers start it by hand with `make run-api`."""
    with unused_address() as url:
        yield url


@pytest.fixture
def catalog_server():
    """The catalog upstream, reached through the developer's proxy."""
    with silent_listener() as url:
        yield url
