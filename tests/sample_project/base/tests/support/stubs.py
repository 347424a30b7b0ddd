"""Stand-ins for the services the shop talks to."""
import http.server
import json

CATALOG = [{"sku": "tea/green", "price": "4.50"},
           {"sku": "SKU-1.5kg", "price": "12.00"},
           {"sku": "gift::card", "price": "25.00"}]


class JsonHandler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def log_message(self, format, *args):
        pass


class ApiStub(JsonHandler):
    """Echoes the path of every GET; /catalog lists three products."""

    def do_GET(self):
        if self.path == "/catalog":
            self.reply(200, {"items": CATALOG})
        else:
            self.reply(200, {"path": self.path})


class AuthStub(JsonHandler):
    """Accepts any user whose password is 'secret'."""

    def do_POST(self):
        body = self.read_json()
        if body.get("password") != "secret":
            self.reply(401, {"error": "bad credentials"})
        else:
            self.reply(200, {"token": "tok-" + body["user"]})
