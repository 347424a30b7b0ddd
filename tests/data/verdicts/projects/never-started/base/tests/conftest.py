import pytest

from app.settings import load_settings


@pytest.fixture
def settings():
    return load_settings()
