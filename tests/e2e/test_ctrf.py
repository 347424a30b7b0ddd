"""CTRF in and out: `parse --format ctrf` on the real sample runs, validated
against the CTRF JSON schema of the `ctrf` npm package (tests/data/ctrf/, with
its licence), the round trip JUnit -> CTRF -> run model, and CTRF reports read
as inputs (tests/data/ctrf/jest.json, built with the CTRF reference
implementation by make.mjs beside it)."""
import json

import jsonschema
import pytest

from conftest import DATA, SAMPLES, need_shared, run

SCHEMA = json.loads((DATA / "ctrf" / "ctrf-schema-0.0.json").read_text())
JEST = DATA / "ctrf" / "jest.json"
STATES = ["before", "after", "resolved", "skipped", "regressed", "flaky"]
COUNTS = ["tests", "runs", "passed", "failed", "errors", "skipped", "not_run", "flaky"]


def ok(res):
    assert res.returncode == 0, res
    return res


def ctrf_of(*inputs):
    return ok(run("parse", "-q", "--format", "ctrf", *inputs)).json()


def model_of(*inputs):
    return ok(run("parse", "-q", *inputs)).json()


def validate(doc):
    jsonschema.validate(doc, SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("state", STATES)
def test_ctrf_output_is_valid_against_the_schema(state):
    doc = ctrf_of(SAMPLES / state)
    validate(doc)
    model = model_of(SAMPLES / state)
    summary = doc["results"]["summary"]
    assert summary["tests"] == model["summary"]["tests"] == len(doc["results"]["tests"])
    assert summary["failed"] == model["summary"]["failed"] + model["summary"]["errors"]
    assert summary["passed"] == model["summary"]["passed"]
    # The collect-only knowledge is kept under extra.
    assert doc["extra"]["collection"] == model["collection"]


def test_ctrf_output_keeps_errors_and_classification_under_extra():
    doc = ctrf_of(SAMPLES / "before")
    errors = [t for t in doc["results"]["tests"] if t["rawStatus"] == "error"]
    assert errors and all(t["status"] == "failed" for t in errors)
    infra = [t for t in doc["results"]["tests"] if t["extra"].get("category") == "infrastructure"]
    assert infra and all(t["extra"]["cause"] and t["extra"]["rule"] for t in infra)


@pytest.mark.parametrize("state", STATES)
def test_ctrf_round_trip_gives_the_same_counts_and_statuses(state, tmp_path):
    path = tmp_path / f"{state}.json"
    path.write_text(json.dumps(ctrf_of(SAMPLES / state)))
    want, got = model_of(SAMPLES / state), model_of(path)
    assert got["inputs"][0]["kind"] == "ctrf"
    assert {k: got["summary"][k] for k in COUNTS} == {k: want["summary"][k] for k in COUNTS}
    assert got["collection"] == want["collection"]
    assert got["categories"] == want["categories"]

    def tests(model):
        return {t["id"]: (t["status"], t["phase"], t["category"], t["cause"], t.get("flaky"))
                for t in model["tests"]}
    assert tests(got) == tests(want)


# Reruns as other tools write them: Surefire's rerunFailingTestsCount (pulsar),
# jest-junit's duplicate testcases, pytest-rerunfailures (samples/flaky above).
@pytest.mark.parametrize("name", ["java__pulsar-test-report.xml", "jest__jest-test-results.xml"])
def test_ctrf_round_trip_keeps_every_rerun(name, tmp_path):
    junit = need_shared("corpus", "junit", name)
    path = tmp_path / "ctrf.json"
    path.write_text(json.dumps(ctrf_of(junit)))
    want, got = model_of(junit)["summary"], model_of(path)["summary"]
    assert want["runs"] > want["tests"]  # the file has reruns
    assert got == want


def test_ctrf_pair_gives_the_verdict_of_the_junit_pair(tmp_path):
    for side in ("before", "regressed"):
        (tmp_path / f"{side}.json").write_text(json.dumps(ctrf_of(SAMPLES / side)))
    want = ok(run("diff", "-q", "--before", SAMPLES / "before", "--after", SAMPLES / "regressed")).json()
    got = ok(run("diff", "-q", "--before", tmp_path / "before.json",
                 "--after", tmp_path / "regressed.json")).json()
    assert got["verdict"] == want["verdict"] == "regressed"
    assert got["changes"] == want["changes"]


def test_ctrf_input_from_a_jest_reporter():
    model = model_of(JEST)
    by_name = {t["id"].split("::")[-1]: t for t in model["tests"]}
    assert model["inputs"][0]["kind"] == "ctrf"
    # passed, failed, skipped, pending (a skip), other (an error); retries are reruns.
    assert model["summary"] == {"tests": 7, "runs": 9, "passed": 1, "failed": 3, "errors": 1,
                                "skipped": 2, "not_run": 0, "flaky": 1}
    tax = by_name["cart totals with tax"]
    assert (tax["status"], tax["category"], tax["cause"]) == ("failed", "business_logic", "assertion")
    # The suite is the classname: the id joins them.
    assert tax["id"] == "cart::cart totals with tax" and tax["line"] == 19
    assert tax["file"] == "/home/dev/cart/src/cart.test.js"
    assert tax["message"].startswith("expect(received).toBe(expected)")
    assert "src/tax.js:14:11" in tax["trace"]
    api = by_name["checkout talks to the payment API"]
    assert (api["category"], api["cause"]) == ("infrastructure", "connection")
    flaky = by_name["checkout retries a declined card"]
    assert flaky["flaky"] is True and flaky["message"] == "Timeout"
    assert by_name["checkout ships abroad"]["status"] == "skipped"
    assert by_name["checkout survives a crash"]["status"] == "error"


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_ctrf_retried_failure_keeps_its_words_and_its_class(tmp_path, retries):
    message = "Cannot find module 'foo' from 'src/x.js'"
    doc = {"results": {"tool": {"name": "jest"},
                       "summary": {"tests": 1, "passed": 0, "failed": 1, "skipped": 0,
                                   "pending": 0, "other": 0, "start": 0, "stop": 1},
                       "tests": [{"name": "imports", "status": "failed", "duration": 1,
                                  "retries": retries, "message": message,
                                  "trace": f"Error: {message}\n    at x (src/x.js:1:1)"}]}}
    path = tmp_path / "ctrf.json"
    path.write_text(json.dumps(doc))
    model = model_of(path)
    test = model["tests"][0]
    # Every attempt failed the same way: the words and the class are the same as without retries.
    assert (test["category"], test["cause"]) == ("infrastructure", "import_error")
    assert test["message"] == message and "src/x.js:1:1" in test["trace"]
    assert model["summary"]["runs"] == retries + 1 and not test.get("flaky")


def test_ctrf_found_in_a_directory_beside_junit(tmp_path):
    (tmp_path / "jest.json").write_bytes(JEST.read_bytes())
    (tmp_path / "junit.xml").write_bytes((SAMPLES / "after" / "junit.xml").read_bytes())
    # Other JSON is passed over: silently when nothing in it is CTRF's,
    # with a warning when it has CTRF's top-level key but no tests.
    (tmp_path / "package.json").write_text('{"name": "cart", "version": "1.0.0"}\n')
    (tmp_path / "other.json").write_text('{"results": {"total": 3}}\n')
    res = ok(run("parse", tmp_path))
    kinds = sorted(i["kind"] for i in res.json()["inputs"])
    assert kinds == ["ctrf", "junit"]
    assert "package.json" not in res.err
    assert "other.json': JSON that is not a CTRF report" in res.err


@pytest.mark.parametrize("text, message", [
    ('{"results": {"tests": [', "line 1: not valid JSON (cut short?)"),
    ('{"name": "cart"}', "JSON that is not a CTRF report (no results.tests)"),
    ('{"results": {"tests": {}}}', "JSON that is not a CTRF report"),
    ("[" * 5000 + "]" * 5000, "not valid JSON"),
])
def test_ctrf_bad_input_is_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "r.json"
    path.write_text(("{" if text.startswith("[") else "") + text)
    res = run("parse", path)
    assert res.returncode == 3, res
    assert message in res.err and res.err.count("\n") == 1


def test_ctrf_tests_without_name_or_status_are_left_out_with_a_warning(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"results": {"tool": {"name": "x"}, "tests": [
        {"name": "a", "status": "passed", "duration": 1},
        {"name": "b", "status": "exploded", "duration": 1},
        {"status": "failed"}, 7]}}))
    res = ok(run("parse", path))
    assert [t["id"] for t in res.json()["tests"]] == ["a"]
    assert res.json()["inputs"][0]["complete"] is False
    assert "test 2 has no name or no known status; left out" in res.err
    assert "test 4 has no name" in res.err
