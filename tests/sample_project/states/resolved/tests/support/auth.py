"""The authentication service, started by the suite itself."""
import pytest

from support.net import serve
from support.stubs import AuthStub


@pytest.fixture
def auth_url():
    with serve(AuthStub) as url:
        yield url
