"""`fixproof parse` on JUnit XML: every file of the shared corpus and of
tests/data/junit/ against an independent count made with lxml, files cut
short, refusals, entity bombs, and the pytest-like generator."""
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest
from lxml import etree

from conftest import CORPUS, DATA, ROOT, need_shared, run

JUNIT_DATA = DATA / "junit"
JEST_DATA = DATA / "jest"
FOREIGN = DATA / "foreign"
GENERATOR = ROOT / "tests" / "gen_junit.py"

# fixproof's precedence: error > failed > skipped > passed.
RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
RESULT = {"failure": "failed", "rerunFailure": "failed", "error": "error",
          "rerunError": "error", "skipped": "skipped",
          "flakyFailure": "passed", "flakyError": "passed"}
NOT_RUN = {"notrun", "disabled", "skipped", "suppressed"}


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else None


def case_status(case):
    """The worst result of one <testcase>, counted here without fixproof."""
    results = [RESULT[local(c.tag)] for c in case if local(c.tag) in RESULT]
    if any(r != "passed" for r in results):
        return max(results, key=RANK.get)
    for attr in ("status", "result"):
        if case.get(attr) in NOT_RUN:
            return "skipped"
        if case.get(attr) in ("fail", "failed", "failure"):
            return "failed"
    return "passed"


SUITE_FAILED = "Test suite failed to run"


def case_entries(tree):
    """(key, status, phase, file) of every <testcase>, keyed the way fixproof
    keys them, written here from the README's run model: an empty classname
    is stood for by the enclosing testsuites' names joined by '.' (a pytest
    collection failure keeps its dotted module name alone); a testcase with
    no name is named by its place in its suite; jest-junit's "Test suite
    failed to run" testcases are an error of their file."""
    entries = []

    def walk(elem, path):
        place = 0
        for child in elem:
            tag = local(child.tag)
            if tag == "testsuite":
                name = child.get("name") or ""
                walk(child, (path + "." + name if path else name) if name else path)
            elif tag == "testcase":
                place += 1
                entries.append(case_entry(child, path, place))

    root = tree.getroot()
    if local(root.tag) == "testsuite":
        name = root.get("name") or ""
        walk(root, name)
    else:
        walk(root, "")
    return entries


def case_entry(case, suites, place):
    classname, name = case.get("classname") or "", case.get("name") or ""
    status = case_status(case)
    error = next((c for c in case if local(c.tag) == "error"), None)
    message = error.get("message", "") if error is not None else ""
    phase = ("teardown" if message.startswith("failed on teardown with ") else
             "setup" if message.startswith("failed on setup with ") else "call")
    if classname == SUITE_FAILED:
        return name, "error", "collection"
    if status == "error" and not classname and message == "collection failure":
        return name, status, "collection"
    classname = classname or suites
    name = name or f"(unnamed testcase {place})"
    return (classname + "::" + name if classname else name), status, phase


def teardown_half(a, b):
    """pytest's second testcase for one run: a teardown error after a call."""
    return (a[0] == "error" and a[1] == "teardown") != (b[0] == "error" and b[1] == "teardown")


def expected_summary(path):
    """Counts per distinct join key, merged the way fp_run_finish merges:
    the worst status of all entries with the same key wins; every testcase
    is a run, except pytest's teardown half of one."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    worst, runs = {}, 0
    for key, status, phase in case_entries(tree):
        runs += 1
        if key not in worst:
            worst[key] = (status, phase)
            continue
        if teardown_half(worst[key], (status, phase)):
            runs -= 1
        if RANK[status] > RANK[worst[key][0]]:
            worst[key] = (status, phase)
    summary = {"tests": len(worst), "runs": runs, "passed": 0, "failed": 0, "errors": 0,
               "skipped": 0}
    for status, _ in worst.values():
        summary["errors" if status == "error" else status] += 1
    return summary


def junit_files():
    files = sorted(JUNIT_DATA.glob("*.xml")) + sorted(JEST_DATA.glob("*.xml"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.glob("*.xml"))
    return files


def parse(path, *args):
    res = run("parse", path, *args)
    assert res.returncode == 0, res
    return res, res.json()


def need_corpus():
    """The shared corpus (need_shared: fails under CI when absent)."""
    return need_shared("corpus", "junit")


def test_corpus_is_present():
    assert len(list(need_corpus().glob("*.xml"))) >= 20


@pytest.mark.parametrize("path", junit_files(), ids=lambda p: p.name)
def test_counts_match_independent_count(path):
    res, model = parse(path)
    got = {k: model["summary"][k] for k in ("tests", "runs", "passed", "failed", "errors",
                                            "skipped")}
    assert got == expected_summary(path)
    assert model["summary"]["not_run"] == 0
    inp = model["inputs"][0]
    data = path.read_bytes()
    assert inp["sha256"] == hashlib.sha256(data).hexdigest()
    assert inp["bytes"] == len(data)
    assert inp["kind"] == "junit"
    assert inp["complete"] is True
    testcases = list(etree.parse(str(path)).iter("{*}testcase"))
    unnamed = sum(1 for case in testcases if not case.get("name"))
    assert len(inp["warnings"]) == unnamed
    # jest-junit's testcases for a suite that failed to run: one entry a file.
    suite_failed = [case.get("name") for case in testcases
                    if case.get("classname") == SUITE_FAILED]
    assert inp["tests"] == len(testcases) - len(suite_failed) + len(set(suite_failed))
    assert res.err == "".join(f"fixproof: warning: {w}\n" for w in inp["warnings"])


def complete_before(data, cut):
    """Testcases whose end tag lies inside data[:cut], by lxml's pull parser."""
    parser = etree.XMLPullParser(events=("end",), tag="{*}testcase", resolve_entities=False)
    count = 0
    try:
        parser.feed(data[:cut])
        count += sum(1 for _ in parser.read_events())
        parser.close()
    except etree.XMLSyntaxError:
        count += sum(1 for _ in parser.read_events())
    return count


CUT_FILES = ["pytest-7.2.1-xunit1.xml", "surefire-rerun.xml", "java__pulsar-test-report.xml",
             "jest-junit.xml", "phpunit__phpunit.xml", "python-xunit-unittest.xml"]


@pytest.mark.parametrize("name", CUT_FILES)
def test_truncated_copies_keep_complete_testcases(name, tmp_path):
    path = JUNIT_DATA / name
    if not path.exists():
        path = need_corpus() / name
    data = path.read_bytes()
    root_end = data.index(b"<testsuite")
    root_end = data.index(b">", root_end) + 1
    full = expected_summary(path)["tests"]
    cut_file = tmp_path / "after.xml"
    seen_fewer = 0
    for fraction in (0.15, 0.4, 0.5, 0.73, 0.9, 0.99):
        cut = max(root_end, int(len(data) * fraction))
        if cut >= len(data.rstrip()):
            continue
        cut_file.write_bytes(data[:cut])
        res, model = parse(cut_file)
        inp = model["inputs"][0]
        want = complete_before(data, cut)
        assert inp["tests"] == want, (cut, res.err)
        assert inp["complete"] is False
        assert len(inp["warnings"]) == 1
        warning = inp["warnings"][0]
        assert warning.startswith(f"'{cut_file}' line ")
        assert "the file ends in the middle of the XML" in warning
        assert warning.endswith(f"; kept the {want} complete testcases")
        assert res.err == f"fixproof: warning: {warning}\n"
        seen_fewer += model["summary"]["tests"] < full
    assert seen_fewer >= 3


def test_xunit1_file_and_line():
    _, model = parse(JUNIT_DATA / "pytest-7.2.1-xunit1.xml")
    tests = {t["id"]: t for t in model["tests"]}
    post = tests["tests.test_ledger.TestLedger::test_post"]
    # pytest writes the setUp failure as a <failure> of the call phase; the
    # phase rules move it to setup, where the trace shows it happened.
    assert (post["file"], post["line"], post["status"], post["phase"]) == \
        ("tests/test_ledger.py", 7, "failed", "setup")
    collection = tests["tests/api/test_payments.py"]
    assert (collection["status"], collection["phase"], collection["message"], collection["file"]) == \
        ("error", "collection", "collection failure", "tests/api/test_payments.py")
    setup = tests["tests.api.test_orders.TestOrders::test_create_order"]
    assert (setup["status"], setup["phase"], setup["line"]) == ("error", "setup", 10)
    assert tests["tests.api.test_orders.TestOrders::test_refund"]["phase"] == "teardown"


def test_xunit2_has_no_file_or_line():
    _, model = parse(JUNIT_DATA / "pytest-7.2.1-xunit2.xml")
    tests = {t["id"]: t for t in model["tests"]}
    assert tests["tests.api.test_payments"]["phase"] == "collection"
    assert all(t["file"] is None and t["line"] is None for t in model["tests"])


def test_standard_input():
    data = (JUNIT_DATA / "gtest.xml").read_bytes()
    res = run("parse", "-", stdin=data)
    assert res.returncode == 0, res
    model = res.json()
    assert model["inputs"][0]["path"] == "-"
    assert model["inputs"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert model["summary"]["skipped"] == 2


def billion_laughs():
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE testsuites [", '<!ENTITY l0 "lol">']
    for i in range(1, 10):
        lines.append('<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10))
    lines.append("]>")
    lines.append('<testsuites><testsuite><testcase classname="c" name="&l9;">'
                 "<failure message=\"&l9;\">&l9;</failure></testcase></testsuite></testsuites>")
    return "\n".join(lines).encode()


def quadratic_blowup():
    return ('<?xml version="1.0"?>\n<!DOCTYPE testsuites [<!ENTITY a "%s">]>\n'
            '<testsuites><testsuite><testcase classname="c" name="n"><failure message="%s">%s'
            "</failure></testcase></testsuite></testsuites>\n"
            % ("A" * 100000, "&a;" * 100000, "&a;" * 100000)).encode()


@pytest.mark.parametrize("make", [billion_laughs, quadratic_blowup])
def test_entity_bombs_are_refused_quickly(make, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(make())
    start = time.monotonic()
    res = run("parse", bomb)
    assert time.monotonic() - start < 5
    assert res.returncode == 3
    assert res.out == ""
    assert res.err == (f"fixproof: cannot parse '{bomb}': the document declares XML entities "
                       "(<!ENTITY>), which JUnit XML never does; refused so that none is expanded\n")


def test_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = tmp_path / "ext.xml"
    doc.write_text('<?xml version="1.0"?>\n<!DOCTYPE testsuites SYSTEM "%s">\n'
                   '<testsuites><testsuite><testcase classname="c" name="n"/></testsuite>'
                   "</testsuites>\n" % secret.as_uri())
    res, model = parse(doc)
    assert model["summary"]["tests"] == 1
    assert "TOP-SECRET" not in res.out


@pytest.mark.parametrize("body,message", [
    (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body></body></html>\n",
     "not JUnit XML (the root element is <html>, not <testsuites> or <testsuite>)"),
    (b'<?xml version="1.0"?>\n<coverage line-rate="0.9"><packages/></coverage>\n',
     "not JUnit XML (the root element is <coverage>, not <testsuites> or <testsuite>)"),
])
def test_not_junit(body, message, tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(body)
    res = run("parse", path)
    assert res.returncode == 3
    assert res.out == ""
    assert res.err == f"fixproof: cannot parse '{path}': {message}\n"


def test_malformed_before_any_testcase_names_the_line(tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(b'<testsuites>\n<testsuite name="a">\n<testcase name="b" <x/>\n</testsuite>\n')
    res = run("parse", path)
    assert res.returncode == 3
    # One line, ours: libxml2 prints nothing of its own.
    assert res.err == f"fixproof: cannot parse '{path}' line 3: error parsing attribute name\n"


def generate(tmp_path, *args):
    out = tmp_path / "gen.xml"
    subprocess.run([sys.executable, str(GENERATOR), *args, "-o", str(out)], check=True)
    return out


def test_generator_is_deterministic_and_parses(tmp_path):
    a = generate(tmp_path, "--tests", "3000", "--seed", "7", "--family", "xunit1",
                 "--big-output-bytes", "20000")
    first = a.read_bytes()
    b = generate(tmp_path, "--tests", "3000", "--seed", "7", "--family", "xunit1",
                 "--big-output-bytes", "20000")
    assert b.read_bytes() == first
    suite = etree.fromstring(first).find("testsuite")
    _, model = parse(b)
    summary = model["summary"]
    assert summary["tests"] == 3000 == int(suite.get("tests"))
    assert summary["failed"] == int(suite.get("failures"))
    assert summary["errors"] == int(suite.get("errors"))
    assert summary["skipped"] == int(suite.get("skipped"))
    assert {k: summary[k] for k in ("tests", "runs", "passed", "failed", "errors",
                                    "skipped")} == expected_summary(b)
    phases = {t["phase"] for t in model["tests"] if t["status"] == "error"}
    assert phases == {"collection", "setup", "teardown"}
    assert all(t["file"] for t in model["tests"])


def test_sha256_without_cpu_extensions(tmp_path):
    # The portable SHA-256 and the SHA-NI one must agree, on sizes around
    # the 64-byte block and on a file larger than the read buffers.
    for size in (0, 1, 55, 56, 63, 64, 65, 127, 128, 4095, 4096, 70001):
        body = b"<testsuite>" + b"<!--" + b"x" * size + b"-->" + b"</testsuite>"
        path = tmp_path / f"s{size}.xml"
        path.write_bytes(body)
        want = hashlib.sha256(body).hexdigest()
        for env in (None, {"FIXPROOF_NO_SHA_NI": "1"}):
            res = run("parse", path, env=env)
            assert res.returncode == 0, res
            assert res.json()["inputs"][0]["sha256"] == want


def by_id(model):
    return {t["id"]: t for t in model["tests"]}


def test_nested_suites_keep_tests_of_one_name_apart():
    """Issue 14, item 5: with an empty classname the suites' names stand for
    it; five testcases were two flaky tests when keyed by name alone."""
    _, model = parse(JUNIT_DATA / "nested-empty-classname.xml")
    tests = by_id(model)
    assert {i: t["status"] for i, t in tests.items()} == {
        "all.cluster.TestA::A": "failed", "all.cluster.TestA::B": "passed",
        "all.cluster.TestB::A": "passed", "all.cluster.TestB::B": "failed",
        "all.cluster::A": "failed"}
    assert model["summary"]["runs"] == model["summary"]["tests"] == 5
    assert model["summary"]["flaky"] == 0


def test_reruns_are_runs_of_one_test():
    """Issue 14, item 6: gotestsum --rerun-fails writes a test again for each
    rerun; they merge, and summary.runs keeps every one."""
    _, model = parse(JUNIT_DATA / "gotestsum-rerun-fails.xml")
    tests = by_id(model)
    assert (model["summary"]["tests"], model["summary"]["runs"]) == (3, 6)
    post = tests["example.com/shop/ledger::TestPost"]
    assert (post["status"], post.get("flaky")) == ("failed", True)
    export = tests["example.com/shop/ledger::TestExport"]
    assert (export["status"], export.get("flaky")) == ("failed", None)
    assert all(t["file"] is None for t in model["tests"])


@pytest.mark.parametrize("name", ["suite-errors.xml", "suite-errors.file.xml"])
def test_jest_suite_that_failed_to_run_is_one_entry(name):
    """jest-junit writes a test file that failed to load as two testcases (an
    <error> with jest's words, a <failure> with the load error as JSON): one
    entry for the file, an error in collection, classified from jest's text."""
    _, model = parse(JEST_DATA / name)
    tests = by_id(model)
    entry = tests["__tests__/payments.test.js"]
    assert (entry["status"], entry["phase"], entry["file"], entry.get("flaky")) == \
        ("error", "collection", "__tests__/payments.test.js", None)
    assert (entry["category"], entry["cause"]) == ("infrastructure", "import_error")
    assert entry["message"] == "\u25cf Test suite failed to run"
    assert "Cannot find module '../gateway' from '__tests__/payments.test.js'" in entry["trace"]
    assert '"code":"MODULE_NOT_FOUND"' in entry["trace"]
    assert (model["summary"]["tests"], model["summary"]["runs"]) == (4, 5)
    assert model["inputs"][0]["tests"] == 4
    # The same test name in two files stays two tests, each with its file,
    # from the attribute or from the suite named by the file's path.
    assert tests["__tests__/cart.test.js::empty cart costs nothing"]["file"] == \
        "__tests__/cart.test.js"
    assert tests["__tests__/checkout.test.js::empty cart costs nothing"]["file"] == \
        "__tests__/checkout.test.js"
    assert tests["discounts::applies the bulk discount"]["file"] == "__tests__/cart.test.js"


def test_file_comes_only_from_suites_named_by_source_paths():
    corpus = need_corpus()
    _, model = parse(corpus / "jest__jest-test-results.xml")
    files = {t["file"] for t in model["tests"]}
    assert "packages/jest-config/src/__tests__/normalize.test.js" in files
    assert None not in files
    for name in ("java__junit4-basic.xml", "java__pulsar-test-report.xml",
                 "swift-xunit.xml", "phpunit__junit-basic.xml"):
        _, model = parse(corpus / name)
        assert {t["file"] for t in model["tests"]} == {None}, name
    _, model = parse(JUNIT_DATA / "go-junit-report.xml")
    assert {t["file"] for t in model["tests"]} == {None}


def test_directory_passes_over_xml_that_is_not_junit(tmp_path):
    """Issue 14, item 8: a coverage.xml or pom.xml beside the results is
    skipped with a warning; it is no input. Named, it is still an error."""
    shutil.copy(FOREIGN / "coverage.xml", tmp_path / "coverage.xml")
    shutil.copy(FOREIGN / "pom.xml", tmp_path / "pom.xml")
    shutil.copy(JEST_DATA / "fixed.xml", tmp_path / "results.xml")
    res, model = parse(tmp_path)
    assert [i["path"] for i in model["inputs"]] == [str(tmp_path / "results.xml")]
    warnings = [
        f"skipped '{tmp_path / 'coverage.xml'}': not JUnit XML (the root element is "
        "<coverage>, not <testsuites> or <testsuite>)",
        f"skipped '{tmp_path / 'pom.xml'}': not JUnit XML (the root element is <project>, "
        "not <testsuites> or <testsuite>)"]
    assert model["warnings"] == warnings
    assert res.err == "".join(f"fixproof: warning: {w}\n" for w in warnings)
    res = run("parse", FOREIGN / "pom.xml")
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot parse '{FOREIGN / 'pom.xml'}': not JUnit XML (the "
                       "root element is <project>, not <testsuites> or <testsuite>)\n")


def test_directory_of_only_other_xml_names_what_it_passed_over(tmp_path):
    shutil.copy(FOREIGN / "coverage.xml", tmp_path / "coverage.xml")
    res = run("parse", tmp_path)
    assert res.returncode == 3
    assert res.err == (f"fixproof: no result files in directory '{tmp_path}' (skipped "
                       f"'{tmp_path / 'coverage.xml'}': not JUnit XML (the root element is "
                       "<coverage>, not <testsuites> or <testsuite>))\n")
