from app.core import greet


def test_greet():
    assert greet("ada") == "hello ada"


def test_settings_name(settings):
    assert settings["name"] == "app"


def test_settings_debug_off(settings):
    assert settings["debug"] is False
