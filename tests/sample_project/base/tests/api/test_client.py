import os

import pytest

from shop.api import ApiClient

ROUTES = ["health", "/api/v1::orders", "/api/v1/sessions.json"]


@pytest.mark.parametrize("route", ROUTES)
def test_build_url(route):
    assert ApiClient("http://shop.test/").url(route) == "http://shop.test/" + route.lstrip("/")


@pytest.mark.parametrize("route", ROUTES)
def test_route(api_server, route):
    status, body = ApiClient(api_server, timeout=0.5).get(route)
    assert (status, body) == (200, {"path": ApiClient.path(route)})


def test_fetch_catalog(catalog_server):
    status, body = ApiClient(catalog_server, timeout=0.1).get("/catalog")
    assert status == 200
    assert [item["sku"] for item in body["items"]] == ["tea/green", "SKU-1.5kg", "gift::card"]


@pytest.mark.skipif(not os.environ.get("SHOP_PAYMENTS_SANDBOX"),
                    reason="needs SHOP_PAYMENTS_SANDBOX")
def test_webhook_delivery(api_server):
    status, _ = ApiClient(api_server).post("/webhooks/payments", {"event": "charge"})
    assert status == 204
