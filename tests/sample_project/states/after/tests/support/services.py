"""The HTTP services the API client tests talk to, started by the suite itself."""
import pytest

from support.net import serve
from support.stubs import ApiStub


@pytest.fixture
def api_server():
    with serve(ApiStub) as url:
        yield url


@pytest.fixture
def catalog_server(api_server):
    return api_server
