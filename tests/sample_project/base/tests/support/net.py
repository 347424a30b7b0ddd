"""Local network helpers: every address used by the suite is on 127.0.0.1."""
import contextlib
import http.server
import socket
import threading


@contextlib.contextmanager
def unused_address():
    """Yields the URL of a local port that is bound but not listening.

    Holding the port keeps anyone else from taking it, so a connection to it
    is always refused.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield "http://127.0.0.1:%d" % sock.getsockname()[1]


@contextlib.contextmanager
def silent_listener():
    """Yields the URL of a local port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield "http://127.0.0.1:%d" % sock.getsockname()[1]


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (a timeout test) is expected, not news.
        pass


@contextlib.contextmanager
def serve(handler):
    """Runs `handler` on a local HTTP server in a thread; yields its URL."""
    server = QuietServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits for the loop's next poll.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
