"""The client of the authentication service."""
from shop.api import ApiClient


class LoginFailed(Exception):
    pass


class AuthClient:
    def __init__(self, base_url, timeout=1.0):
        self.api = ApiClient(base_url, timeout=timeout)

    def login(self, user, password):
        status, body = self.api.post("/login", {"user": user, "password": password})
        if status != 200:
            raise LoginFailed(f"{user}: HTTP {status}")
        return body["token"]
