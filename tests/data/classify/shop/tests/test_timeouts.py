import time

import pytest
import requests

from shop.net import silent_server


@pytest.mark.timeout(0.2)
def test_pytest_timeout():                   # timeout (pytest-timeout)
    for _ in range(100):
        time.sleep(0.01)


def test_socket_timeout():                   # timeout
    server = silent_server()
    client = __import__("socket").create_connection(server.getsockname(), timeout=0.1)
    try:
        client.recv(1)
    finally:
        client.close()
        server.close()


def test_requests_read_timeout():            # timeout
    server = silent_server()
    host, port = server.getsockname()
    try:
        requests.get(f"http://{host}:{port}/slow", timeout=0.1)
    finally:
        server.close()
