"""`fixproof parse` on real `pytest --collect-only` outputs (tests/data/collect/).

The *.txt files there were made with Debian's pytest 7.2.1 by make.py, except
pytest6.* and pytest8.*, written by hand after those versions' sources.
"""
import hashlib
import shutil

import pytest

from conftest import DATA, run

COLLECT = DATA / "collect"

SHOP_TESTS = [
    "tests/test_ledger.py::TestLedger::test_balance",
    "tests/test_ledger.py::TestLedger::test_post",
    "tests/api/test_orders.py::TestOrders::test_create_order",
    "tests/api/test_orders.py::TestOrders::test_cancel_order[card]",
    "tests/api/test_orders.py::TestOrders::test_cancel_order[cash]",
    "tests/api/test_orders.py::TestOrders::TestRefunds::test_partial",
    "tests/api/test_orders.py::test_codes[a b]",
    "tests/api/test_orders.py::test_codes[x::y]",
    "tests/api/test_orders.py::test_codes[p>q]",
    "tests/api/test_orders.py::test_codes[[1]]",
]
SHOP_ERROR = "tests/api/test_payments.py"
SHOP_COLLECTION = {"collected": 10, "errors": 1, "deselected": 0, "files": 3,
                   "files_with_errors": 1, "interrupted": True}


def parse_path(path):
    res = run("parse", path)
    assert res.returncode == 0, res
    return res.json()


def parse(*names, stdin=None):
    res = run("parse", *[COLLECT / n if n != "-" else n for n in names], stdin=stdin)
    assert res.returncode == 0, res
    return res.json()


def ids(doc):
    return [t["id"] for t in doc["tests"]]


@pytest.mark.parametrize("name", ["shop.tree.txt", "shop.q.txt", "shop.color.txt",
                                  "shop.tb-no.txt", "pytest6.shop.tree.txt"])
def test_shop_listings_give_the_node_ids(name):
    doc = parse(name)
    assert ids(doc) == SHOP_TESTS + [SHOP_ERROR]
    assert doc["collection"] == SHOP_COLLECTION
    assert doc["summary"] == {"tests": 11, "runs": 11, "passed": 0, "failed": 0, "errors": 1,
                              "skipped": 0, "not_run": 10, "flaky": 0}
    assert all(t["status"] == "not_run" and t["phase"] is None for t in doc["tests"][:10])
    assert doc["inputs"][0]["warnings"] == []


def test_pytest8_tree_gives_the_same_node_ids():
    doc = parse("pytest8.shop.tree.txt")
    # pytest 8 lists folders before files; the ids are the same.
    assert ids(doc) == SHOP_TESTS[2:] + SHOP_TESTS[:2] + [SHOP_ERROR]
    assert doc["collection"] == SHOP_COLLECTION


def test_collection_error_entry():
    doc = parse("shop.tree.txt")
    err = doc["tests"][-1]
    assert err["status"] == "error"
    assert err["phase"] == "collection"
    assert err["file"] == SHOP_ERROR
    assert err["type"] == "ModuleNotFoundError"
    assert err["message"] == "ModuleNotFoundError: No module named 'shop'"
    assert err["trace"].startswith(
        "ImportError while importing test module "
        "'/tmp/fixproof-collect/shop/tests/api/test_payments.py'.\n"
        "Hint: make sure your test modules/packages have valid Python names.\n")
    assert err["trace"].endswith("    from shop.gateway import Gateway\n"
                                 "E   ModuleNotFoundError: No module named 'shop'")
    # With --tb=no only the short summary names the error: no message.
    short = parse("shop.tb-no.txt")["tests"][-1]
    assert (short["id"], short["status"], short["message"], short["trace"]) == \
        (SHOP_ERROR, "error", None, None)


def test_per_file_counts():
    doc = parse("shop.qq.txt")
    assert ids(doc) == [SHOP_ERROR]
    assert doc["collection"] == SHOP_COLLECTION


@pytest.mark.parametrize("name", ["shop.k.tree.txt", "shop.k.q.txt"])
def test_deselected(name):
    doc = parse(name)
    assert ids(doc) == SHOP_TESTS[3:5]
    assert doc["collection"] == {"collected": 2, "errors": 0, "deselected": 8, "files": 1,
                                 "files_with_errors": 0, "interrupted": False}


PKGS_COLLECTION = {"collected": 7, "errors": 2, "deselected": 0, "files": 6,
                   "files_with_errors": 1, "interrupted": True}


def test_packages_doctests_and_plugin_items():
    doc = parse("pkgs.q.txt")
    assert ids(doc) == [
        "test_guide.txt::test_guide.txt",
        "checkout/test_cart.py::test_empty_cart",
        "checkout/test_cart.py::TestCart::test_one_item",
        "checkout/util.py::checkout.util.add",
        "checkout/payments/test_card.py::test_card_declined",
        "specs/test_prices.yaml::discount applies",
        "specs/test_prices.yaml::no discount",
        "checkout/test_broken.py",
    ]
    # pytest reported the broken module twice (Module and DoctestModule).
    assert doc["collection"] == PKGS_COLLECTION
    err = doc["tests"][-1]
    assert (err["type"], err["message"]) == ("SyntaxError", "SyntaxError: invalid syntax")
    assert err["trace"].endswith('E     File "/tmp/fixproof-collect/pkgs/checkout/'
                                 'test_broken.py", line 1\n'
                                 "E       def test_broken(:\n"
                                 "E                       ^\n"
                                 "E   SyntaxError: invalid syntax")


def test_pytest7_tree_with_packages_warns():
    doc = parse("pkgs.v.txt")
    got = ids(doc)
    # pytest 7 prints <Package payments> without its parent folder.
    assert got[4] == "payments/test_card.py::test_card_declined"
    assert got[:4] + got[5:] == [
        "test_guide.txt::test_guide.txt",
        "checkout/test_cart.py::test_empty_cart",
        "checkout/test_cart.py::TestCart::test_one_item",
        "checkout/util.py::checkout.util.add",
        "specs/test_prices.yaml::discount applies",
        "specs/test_prices.yaml::no discount",
        "checkout/test_broken.py",
    ]
    assert doc["collection"] == PKGS_COLLECTION
    path = str(COLLECT / "pkgs.v.txt")
    assert doc["inputs"][0]["warnings"] == [
        f"'{path}' line 9: pytest before 8 shows packages without the folders above them, "
        "so node ids under <Package checkout> and later packages may lack those folders; "
        "collect with -q for exact node ids"]


def test_pytest8_tree_with_packages():
    doc = parse("pytest8.pkgs.v.txt")
    assert ids(doc) == [
        "checkout/payments/test_card.py::test_card_declined",
        "checkout/test_cart.py::test_empty_cart",
        "checkout/test_cart.py::TestCart::test_one_item",
        "specs/test_prices.yaml::discount applies",
        "specs/test_prices.yaml::no discount",
        "test_guide.txt::test_guide.txt",
        "checkout/test_broken.py",
    ]
    assert doc["collection"] == {"collected": 6, "errors": 1, "deselected": 0, "files": 5,
                                 "files_with_errors": 1, "interrupted": True}
    assert doc["inputs"][0]["warnings"] == []


def test_pytest6_packages_and_deselection():
    doc = parse("pytest6.pkgs.k.tree.txt")
    assert ids(doc) == ["checkout/test_cart.py::TestCart::test_one_item",
                        "payments/test_card.py::test_card_declined"]
    assert doc["collection"] == {"collected": 2, "errors": 0, "deselected": 2, "files": 2,
                                 "files_with_errors": 0, "interrupted": False}
    assert len(doc["inputs"][0]["warnings"]) == 1


@pytest.mark.parametrize("name,tests,collection", [
    ("single.q.txt", ["test_one.py::test_only"], (1, 0, 0, 1, 0, False)),
    ("single.error.txt", ["broken/test_import.py"], (0, 1, 0, 1, 1, True)),
    ("single.deselect-all.txt", [], (0, 0, 1, 0, 0, False)),
    ("empty.tree.txt", [], (0, 0, 0, 0, 0, False)),
])
def test_small_outputs(name, tests, collection):
    doc = parse(name)
    assert ids(doc) == tests
    keys = ("collected", "errors", "deselected", "files", "files_with_errors", "interrupted")
    assert doc["collection"] == dict(zip(keys, collection))


def test_input_record_hashes_every_byte():
    path = COLLECT / "shop.color.txt"
    data = path.read_bytes()
    doc = parse("shop.color.txt")
    assert doc["inputs"] == [{"path": str(path), "kind": "collect-only",
                              "sha256": hashlib.sha256(data).hexdigest(),
                              "bytes": len(data), "tests": 11, "complete": True,
                              "empty": False, "warnings": []}]


def test_stdin():
    data = (COLLECT / "shop.q.txt").read_bytes()
    doc = parse("-", stdin=data)
    assert ids(doc) == SHOP_TESTS + [SHOP_ERROR]
    assert doc["inputs"][0]["path"] == "-"
    assert doc["inputs"][0]["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_line_ends(tmp_path, eol):
    data = (COLLECT / "shop.tree.txt").read_bytes().replace(b"\n", eol)
    path = tmp_path / "tree.txt"
    path.write_bytes(data.rstrip(eol))
    res = run("parse", path)
    assert res.returncode == 0, res
    doc = res.json()
    assert ids(doc) == SHOP_TESTS + [SHOP_ERROR]
    assert doc["collection"] == SHOP_COLLECTION
    assert doc["tests"][-1]["message"] == "ModuleNotFoundError: No module named 'shop'"


def test_not_collect_output(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\n\x00hello \xff world\nstd::vector<int> v;\n")
    res = run("parse", path)
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot parse '{path}': not pytest --collect-only output "
                       "(line 2: hello \ufffd world)\n")


def test_tree_and_ids_of_one_run_merge():
    doc = parse("shop.tree.txt", "shop.q.txt")
    assert ids(doc) == SHOP_TESTS + [SHOP_ERROR]
    assert [i["tests"] for i in doc["inputs"]] == [11, 11]


def test_collect_and_junit_of_one_run_merge():
    res = run("parse", COLLECT / "shop.q.txt", COLLECT / "shop.junit.xml")
    if res.returncode != 0 and "not built yet" in res.err:
        pytest.skip("the JUnit reader is not built in this tree yet")
    assert res.returncode == 0, res
    doc = res.json()
    assert sorted(ids(doc)) == sorted(SHOP_TESTS + [SHOP_ERROR])
    status = {t["id"]: t["status"] for t in doc["tests"]}
    assert status.pop("tests/api/test_orders.py::TestOrders::TestRefunds::test_partial") == \
        "failed"
    assert status.pop(SHOP_ERROR) == "error"
    assert set(status.values()) == {"passed"}
    assert doc["summary"]["tests"] == 11
    assert doc["summary"]["not_run"] == 0
    assert doc["collection"] == SHOP_COLLECTION


EMPTY_WARNING = "pytest wrote nothing: did it fail to start? capture stderr with 2>&1"


@pytest.mark.parametrize("name,kind", [("after.txt", "collect-only"), ("after.xml", "junit")])
def test_empty_file_is_an_input_with_no_tests(tmp_path, name, kind):
    """pytest that fails to start writes its complaint to standard error: a
    result captured from standard output alone is empty (issue 14, item 10)."""
    path = tmp_path / name
    path.write_bytes(b"")
    res = run("parse", path)
    assert res.returncode == 0, res
    doc = res.json()
    warning = f"'{path}' is empty: {EMPTY_WARNING}"
    assert doc["inputs"] == [{"path": str(path), "kind": kind,
                              "sha256": hashlib.sha256(b"").hexdigest(), "bytes": 0,
                              "tests": 0, "complete": True, "empty": True,
                              "warnings": [warning]}]
    assert doc["tests"] == [] and doc["summary"]["tests"] == 0
    assert doc["collection"] is None
    assert res.err == f"fixproof: warning: {warning}\n"


def test_empty_standard_input(tmp_path):
    res = run("parse", "-", stdin=b"")
    assert res.returncode == 0, res
    assert res.json()["inputs"][0]["kind"] == "collect-only"
    assert res.json()["inputs"][0]["empty"] is True


def test_empty_result_files_in_a_directory(tmp_path):
    """In a directory, an empty file named like a result is one; other empty
    files (a package's __init__.py) are passed over as before."""
    (tmp_path / "after.txt").write_bytes(b"")
    (tmp_path / "__init__.py").write_bytes(b"")
    (tmp_path / "shop.q.txt").write_bytes((COLLECT / "shop.q.txt").read_bytes())
    res = run("parse", tmp_path)
    assert res.returncode == 0, res
    doc = res.json()
    assert [(i["path"], i["empty"]) for i in doc["inputs"]] == [
        (str(tmp_path / "after.txt"), True), (str(tmp_path / "shop.q.txt"), False)]
    assert doc["summary"]["tests"] == 11


SESSION = DATA / "session"
RUN_LOG_ADVICE = ("not of pytest --collect-only: pass the run's JUnit XML (--junitxml=FILE) "
                  "and the output of --collect-only instead")


@pytest.mark.parametrize("name,cause,rule,type_,message", [
    ("conftest-import.txt", "import_error", "import-error", "ModuleNotFoundError",
     "ImportError while loading conftest "
     "'/tmp/fixproof-session/conftest-import/tests/conftest.py'."),
    ("usage.txt", "configuration", "pytest-session-configuration", None,
     "__main__.py: error: unrecognized arguments: --no-such-option"),
    ("not-found.txt", "configuration", "pytest-session-configuration", None,
     "ERROR: file or directory not found: tests/test_nope.py"),
    ("internalerror.txt", "configuration", "pytest-session-configuration", "RuntimeError",
     "INTERNALERROR> RuntimeError: the test database is not reachable"),
])
def test_session_that_never_started(name, cause, rule, type_, message):
    """Issue 14, item 10: pytest's output when the run never started (captured
    with 2>&1) is collect-only output with one failure of the whole session."""
    path = SESSION / name
    res = run("parse", path)
    assert res.returncode == 0, res
    doc = res.json()
    assert doc["collection"] == {"collected": 0, "errors": 0, "deselected": 0, "files": 0,
                                 "files_with_errors": 0, "interrupted": True}
    [entry] = doc["tests"]
    assert (entry["id"], entry["status"], entry["phase"], entry["session"]) == \
        ("<session>", "error", "collection", True)
    assert (entry["category"], entry["cause"], entry["rule"]) == ("infrastructure", cause, rule)
    assert entry["message"] == message
    if type_:
        assert entry["type"] == type_
    assert entry["trace"] == path.read_text().strip("\n") or \
        entry["trace"] in path.read_text()
    assert doc["inputs"][0]["kind"] == "collect-only"


def test_session_failed_after_collection_keeps_the_listing():
    doc = parse_path(SESSION / "internalerror-after-collection.txt")
    assert ids(doc) == ["tests/test_cart.py::test_total", "<session>"]
    assert doc["collection"]["collected"] == 1 and doc["collection"]["interrupted"]
    assert doc["tests"][1]["cause"] == "configuration"


def test_session_without_stderr_is_empty():
    """Without 2>&1 the same conftest failure leaves standard output empty."""
    path = SESSION / "conftest-import.stdout.txt"
    res = run("parse", path)
    assert res.returncode == 0, res
    assert res.json()["inputs"][0]["empty"] is True
    assert res.err == f"fixproof: warning: '{path}' is empty: {EMPTY_WARNING}\n"


@pytest.mark.parametrize("name,summary", [("pytest.log", "1 failed, 1 passed, 1 error in "),
                                          ("run.log", "1 failed, 1 passed, 1 error in ")])
def test_console_log_named_is_refused(name, summary):
    """Issue 14, item 9: `pytest -q > pytest.log` is no collect-only output."""
    path = SESSION / name
    res = run("parse", path)
    assert res.returncode == 3 and res.out == ""
    assert res.err.startswith(f"fixproof: cannot parse '{path}': the console output of a "
                              f"pytest run ({summary}")
    assert res.err.endswith(f"), {RUN_LOG_ADVICE}\n")


def test_console_log_in_a_directory_is_skipped(tmp_path):
    """The log beside the collect-only output is passed over with a warning:
    its ERROR lines no longer count as collection errors (2/3 files)."""
    shutil.copy(SESSION / "pytest.log", tmp_path / "pytest.log")
    shutil.copy(COLLECT / "shop.q.txt", tmp_path / "shop.q.txt")
    res = run("parse", tmp_path)
    assert res.returncode == 0, res
    doc = res.json()
    assert [i["path"] for i in doc["inputs"]] == [str(tmp_path / "shop.q.txt")]
    assert doc["collection"] == SHOP_COLLECTION
    [warning] = doc["warnings"]
    assert warning.startswith(f"skipped '{tmp_path / 'pytest.log'}': the console output of "
                              "a pytest run (1 failed, 1 passed, 1 error in ")
    assert res.err == f"fixproof: warning: {warning}\n"


def test_unrecognised_text_in_a_directory_is_skipped(tmp_path):
    """Text with pytest's marks that the reader cannot read is passed over
    with a warning in a directory, as XML that is not JUnit is."""
    (tmp_path / "notes.txt").write_text("total 12%]\nnothing else\n")
    shutil.copy(COLLECT / "shop.q.txt", tmp_path / "shop.q.txt")
    res = run("parse", tmp_path)
    assert res.returncode == 0, res
    assert res.json()["warnings"] == [
        f"skipped '{tmp_path / 'notes.txt'}': not pytest --collect-only output (line 1: "
        "total 12%])"]
