from shop.api import ApiClient


def test_live_db_has_schema(live_db):
    names = {row[0] for row in live_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {"logins", "orders"}


def test_api_server_answers_health(api_server):
    assert ApiClient(api_server).get("/health") == (200, {"path": "/health"})
