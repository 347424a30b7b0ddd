"""The authentication service."""
import pytest

from support.net import unused_address


@pytest.fixture
def auth_url():
    """The auth service, which runs beside the API on a developer's machine."""
    with unused_address() as url:
        yield url
