#!/usr/bin/python3
"""Regenerates the real `pytest --collect-only` outputs in this folder.

Run with Debian's interpreter (its pytest is 7.2.1; the pkgs project's
YAML plugin needs python3-yaml):

    /usr/bin/python3 tests/data/collect/make.py

It writes three small projects under /tmp/fixproof-collect/ (a fixed place,
so the `rootdir:` lines stay the same from one run to the next), runs pytest
on them with the options each output is named after, and saves stdout here
as NAME.txt (the JUnit XML of a real run as NAME.xml). Only the timings
change between runs. The hand-written pytest 6 and pytest 8 outputs
(pytest6.*.txt, pytest8.*.txt) are not made here: this machine has no
pytest 6 or 8; they follow those versions' terminal.py, main.py and nodes.py.
"""
import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
WORK = pathlib.Path("/tmp/fixproof-collect")

# Each project is {relative path: file text}.
SHOP = {
    "tests/test_ledger.py": '''\
import unittest


class TestLedger(unittest.TestCase):
    def test_balance(self):
        self.assertEqual(1 + 1, 2)

    def test_post(self):
        self.assertTrue(True)
''',
    "tests/api/test_orders.py": '''\
import pytest


class TestOrders:
    def test_create_order(self):
        assert 1

    @pytest.mark.parametrize("method", ["card", "cash"])
    def test_cancel_order(self, method):
        assert method

    class TestRefunds:
        def test_partial(self):
            assert 0, "refund not implemented"


# Ids with spaces, "::", ">" and brackets: the tree must keep them whole.
@pytest.mark.parametrize("code", ["a b", "x::y", "p>q", "[1]"])
def test_codes(code):
    assert code
''',
    "tests/api/test_payments.py": '''\
from shop.gateway import Gateway


def test_refund():
    assert Gateway()
''',
}

PKGS = {
    "conftest.py": '''\
import pytest
import yaml


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.name.startswith("test"):
        return YamlFile.from_parent(parent, path=file_path)


class YamlFile(pytest.File):
    def collect(self):
        for name, spec in yaml.safe_load(self.path.open()).items():
            yield YamlItem.from_parent(self, name=name, spec=spec)


class YamlItem(pytest.Item):
    def __init__(self, *, spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec

    def runtest(self):
        assert self.spec["price"] * (1 - self.spec["discount"]) == self.spec["expect"]
''',
    "checkout/__init__.py": "",
    "checkout/util.py": '''\
def add(a, b):
    """Adds two prices.

    >>> add(1, 2)
    3
    """
    return a + b
''',
    "checkout/test_cart.py": '''\
def test_empty_cart():
    """An empty cart costs nothing.

    It is the base case of every total.
    """
    assert 0 == 0


class TestCart:
    """Carts with items."""

    def test_one_item(self):
        assert 1
''',
    "checkout/payments/__init__.py": "",
    "checkout/payments/test_card.py": '''\
def test_card_declined():
    assert True
''',
    "checkout/test_broken.py": '''\
def test_broken(:
    pass
''',
    "checkout/test_later.py": '''\
import pytest

pytest.skip("needs the 2025 tax tables", allow_module_level=True)


def test_tax():
    pass
''',
    "specs/test_prices.yaml": '''\
discount applies:
  price: 100
  discount: 0.5
  expect: 50
no discount:
  price: 10
  discount: 0
  expect: 10
''',
    "test_guide.txt": '''\
The guide:

>>> 1 + 1
2
''',
}

SINGLE = {
    "test_one.py": "def test_only():\n    assert True\n",
    "broken/test_import.py": "import no_such_module\n",
}

EMPTY = {"README.md": "No tests here.\n"}

# (output name, project, pytest arguments).
OUTPUTS = [
    ("shop.tree", "shop", ["--collect-only"]),
    ("shop.q", "shop", ["--collect-only", "-q"]),
    ("shop.qq", "shop", ["--collect-only", "-qq"]),
    ("shop.color", "shop", ["--collect-only", "--color=yes"]),
    ("shop.tb-no", "shop", ["--collect-only", "-q", "--tb=no", "-rE"]),
    ("shop.k.tree", "shop", ["--collect-only", "-k", "cancel",
                             "--ignore=tests/api/test_payments.py"]),
    ("shop.k.q", "shop", ["--collect-only", "-q", "-k", "cancel",
                          "--ignore=tests/api/test_payments.py"]),
    ("pkgs.v", "pkgs", ["--collect-only", "-v", "--doctest-modules"]),
    ("pkgs.q", "pkgs", ["--collect-only", "-q", "--doctest-modules"]),
    ("single.q", "single", ["--collect-only", "-q", "test_one.py"]),
    ("single.error", "single", ["--collect-only", "broken"]),
    ("single.deselect-all", "single", ["--collect-only", "-q", "-k", "nothing",
                                       "test_one.py"]),
    ("empty.tree", "empty", ["--collect-only"]),
]

# The run whose JUnit XML goes with shop.q.txt (same tests, same error).
JUNIT = ("shop.junit", "shop", ["-q", "--continue-on-collection-errors"])


def write_project(name, files):
    root = WORK / name
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def pytest(root, args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST") and k not in ("COLUMNS", "LINES")}
    env.update(PYTHONDONTWRITEBYTECODE="1", COLUMNS="80")
    cmd = ["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider", *args]
    proc = subprocess.run(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    return proc.stdout


def main():
    projects = {"shop": SHOP, "pkgs": PKGS, "single": SINGLE, "empty": EMPTY}
    roots = {name: write_project(name, files) for name, files in projects.items()}
    for out, project, args in OUTPUTS:
        (HERE / f"{out}.txt").write_bytes(pytest(roots[project], args))
        print(f"{out}.txt: pytest {' '.join(args)}")
    out, project, args = JUNIT
    xml = HERE / f"{out}.xml"
    pytest(roots[project], [*args, f"--junitxml={xml}"])
    print(f"{out}.xml: pytest {' '.join(args)} --junitxml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
