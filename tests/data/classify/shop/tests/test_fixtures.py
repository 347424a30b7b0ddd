import os
import socket

import pytest

from shop.net import closed_port


@pytest.fixture
def warm_cache():
    raise RuntimeError("cache warm-up failed: 3 of 5 shards missing")


@pytest.fixture
def db_socket():
    # A real refused connection, made while setting the test up.
    return socket.create_connection(("127.0.0.1", closed_port()), timeout=1)


@pytest.fixture
def db_url():
    return os.environ["SHOP_DB_URL"]


@pytest.fixture
def tmp_store():
    yield {}
    raise OSError("could not remove the temporary store directory")


def test_missing_fixture(live_db):           # missing_fixture
    assert live_db


def test_setup_error(warm_cache):            # setup_error
    assert warm_cache


def test_setup_connection(db_socket):        # connection (in setup)
    assert db_socket


def test_setup_configuration(db_url):        # configuration (in setup)
    assert db_url


def test_teardown_error(tmp_store):          # teardown_error (the test itself passes)
    assert tmp_store == {}


def test_passes():
    assert 1 + 1 == 2


@pytest.mark.skip(reason="not ready")
def test_skipped():
    assert False


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False
