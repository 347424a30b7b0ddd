"""Helpers that open real sockets on the loopback interface."""
import socket


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def silent_server():
    """A listening socket that accepts connections but never answers."""
    return socket.create_server(("127.0.0.1", 0), backlog=8)
