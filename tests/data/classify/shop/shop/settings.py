"""Configuration from the environment, Django-style."""
import os


class ImproperlyConfigured(Exception):
    pass


def currency():
    value = os.environ.get("SHOP_CURRENCY")
    if not value:
        raise ImproperlyConfigured("SHOP_CURRENCY must be set to an ISO 4217 code")
    return value


def api_key():
    key = os.environ.get("SHOP_API_KEY")
    if key is None:
        raise RuntimeError("environment variable SHOP_API_KEY is not set")
    return key
