"""The shop's database: SQLite, shared by the request threads."""
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS logins (user TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total TEXT NOT NULL,
                                   state TEXT NOT NULL);
"""


def connect(url):
    """Opens the database at a 'sqlite:///PATH' URL and creates the tables."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"unsupported database URL {url!r}")
    conn = sqlite3.connect(url[len("sqlite:///"):], check_same_thread=False,
                           isolation_level=None)
    conn.executescript(SCHEMA)
    return conn
