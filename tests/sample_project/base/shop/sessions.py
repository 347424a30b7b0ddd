"""Sessions of logged-in users."""
import itertools
import threading
import time

from shop.pool import DictPool


class SessionExpired(Exception):
    pass


class SessionStore:
    """Keeps each session's data in memory; logins are recorded in `db` when given."""

    def __init__(self, db=None, ttl=1800, clock=time.monotonic):
        self._db = db
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions = {}
        self._pool = DictPool()
        self._ids = itertools.count(1)

    def open(self, user):
        with self._lock:
            token = f"s{next(self._ids):06d}"
            data = self._pool.take()
            data["user"] = user
            data["opened"] = self._clock()
            self._sessions[token] = data
            if self._db is not None:
                self._db.execute("INSERT INTO logins (user, at) VALUES (?, ?)",
                                 (user, time.time()))
        return token

    def get(self, token):
        with self._lock:
            data = self._sessions.get(token)
            if data is None or self._clock() - data["opened"] > self._ttl:
                raise SessionExpired(token)
            return data

    def close(self, token):
        with self._lock:
            self._pool.give(self._sessions.pop(token))
