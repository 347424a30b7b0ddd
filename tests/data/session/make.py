#!/usr/bin/python3
"""Regenerates the real pytest outputs in this folder: sessions that never
started, and the console output of test runs.

Run with Debian's interpreter (its pytest is 7.2.1):

    /usr/bin/python3 tests/data/session/make.py

It writes small projects under /tmp/fixproof-session/ (a fixed place, so
the paths in the output stay the same from one run to the next) and saves
what pytest printed as NAME.txt (collect-only runs, standard error joined
with 2>&1 unless the name ends in .stdout.txt) or NAME.log (test runs,
standard output only, as `pytest -q > pytest.log` keeps it). Only timings
change between runs.
"""
import pathlib
import shutil
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
WORK = pathlib.Path("/tmp/fixproof-session")

PASSING = "def test_total():\n    assert 1 + 1 == 2\n"

# Each project is {relative path: file text}.
PROJECTS = {
    # A conftest that does not import: pytest stops before collecting.
    "conftest-import": {
        "tests/conftest.py": "import shop_fixtures\n",
        "tests/test_cart.py": PASSING,
    },
    "clean": {
        "tests/test_cart.py": PASSING,
    },
    # A hook that raises before collection: INTERNALERROR, exit 3.
    "internal-start": {
        "tests/conftest.py": '''\
def pytest_sessionstart(session):
    raise RuntimeError("the test database is not reachable")
''',
        "tests/test_cart.py": PASSING,
    },
    # A hook that raises after collection: the listing, then INTERNALERROR.
    "internal-modify": {
        "tests/conftest.py": '''\
def pytest_collection_modifyitems(session, config, items):
    raise RuntimeError("the test plan service is down")
''',
        "tests/test_cart.py": PASSING,
    },
    # A run with a pass, a failure and a setup error.
    "shop": {
        "tests/test_shop.py": '''\
import pytest


@pytest.fixture
def db():
    raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_pass():
    assert 1


def test_fail():
    assert 1 == 2


def test_setup_error(db):
    pass
''',
    },
}

# (output name, project, pytest arguments, whether stderr is joined)
RUNS = [
    ("conftest-import.txt", "conftest-import", ["--collect-only"], True),
    ("conftest-import.stdout.txt", "conftest-import", ["--collect-only"], False),
    ("usage.txt", "clean", ["--collect-only", "--no-such-option"], True),
    ("not-found.txt", "clean", ["--collect-only", "tests/test_nope.py"], True),
    ("internalerror.txt", "internal-start", ["--collect-only"], True),
    ("internalerror-after-collection.txt", "internal-modify", ["--collect-only"], True),
    ("pytest.log", "shop", ["-q"], False),
    ("run.log", "shop", [], False),
]


def write_project(name, files):
    root = WORK / name
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    roots = {name: write_project(name, files) for name, files in PROJECTS.items()}
    for out, project, args, joined in RUNS:
        proc = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider",
                               *args], cwd=roots[project], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if joined else subprocess.DEVNULL)
        (HERE / out).write_bytes(proc.stdout)
        print(f"{out}: exit {proc.returncode}, {len(proc.stdout)} bytes")


if __name__ == "__main__":
    main()
