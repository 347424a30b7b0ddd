"""A small client for the shop's JSON HTTP API."""
import http.client
import json
import urllib.parse


class ApiClient:
    def __init__(self, base_url, timeout=1.0):
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout

    @staticmethod
    def path(route):
        return route if route.startswith("/") else "/" + route

    def url(self, route):
        return self.base_url + self.path(route)

    def request(self, method, route, body=None):
        """Sends one request; returns (status, decoded JSON body or None)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            headers = {}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, self.path(route), body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        finally:
            conn.close()

    def get(self, route):
        return self.request("GET", route)

    def post(self, route, body):
        return self.request("POST", route, body)
