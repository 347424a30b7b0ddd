import socket

import psycopg2
import pytest
import redis
import requests

from shop.net import closed_port


def test_socket_refused():                   # connection
    socket.create_connection(("127.0.0.1", closed_port()), timeout=1)


def test_requests_refused():                 # connection
    requests.get(f"http://127.0.0.1:{closed_port()}/api/orders", timeout=1)


def test_dns_failure():                      # connection
    socket.getaddrinfo("db.shop.invalid", 5432)


def test_postgres_refused():                 # connection
    psycopg2.connect(host="127.0.0.1", port=closed_port(), dbname="shop", connect_timeout=1)


def test_redis_refused():                    # connection
    redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=1).ping()
