import os

from shop import settings


def test_env_key():                          # configuration
    assert os.environ["SHOP_DB_URL"].startswith("postgres://")


def test_env_not_set():                      # configuration
    assert settings.api_key()


def test_improperly_configured():            # configuration
    assert settings.currency() == "EUR"


def test_config_file_missing():              # configuration
    with open("config/settings.ini", encoding="utf-8") as f:
        assert f.read()
