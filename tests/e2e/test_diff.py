"""`fixproof diff` on the sample project's real runs, against the ground truth in
tests/sample_project/expected.json (written by reading the traces, not by the tool)."""
import json
import shutil

import pytest

from conftest import ROOT, SAMPLES, run

EXPECTED = json.loads((ROOT / "tests" / "sample_project" / "expected.json").read_text())
TARGETS = EXPECTED["targets"]
PAIRS = EXPECTED["pairs"]


def diff(before, after, *extra, targets=TARGETS):
    args = ["diff", "--before", *before, "--after", *after]
    for t in targets:
        args += ["--target", t]
    res = run(*args, *extra)
    return res


def by_id(doc):
    return {t["id"]: t for t in doc["tests"]}


def outcome(entry):
    """The outcome a person would give a test of expected.json."""
    if entry is None:
        return "absent"
    if entry["status"] in ("failed", "error"):
        return entry["category"]
    return entry["status"]


def expected_change(b, a):
    """The README's changes ("Changes"), derived independently from two expected outcomes."""
    ob, oa = outcome(b), outcome(a)
    if ob == "absent":
        return "new"
    if oa == "absent":
        return "removed"
    if ob == "skipped":
        return "unchanged" if oa == "skipped" else "unskipped"
    if oa == "skipped":
        return "newly_skipped"
    if ob == "passed":
        return "unchanged" if oa == "passed" else "regressed"
    if oa == "passed":
        return "fixed"
    if ob == "infrastructure" and oa == "business_logic":
        return "progressed"
    return "still_failing"


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_pair_verdict_and_target_changes(samples, name):
    pair = PAIRS[name]
    res = diff([SAMPLES / pair["before"]], [SAMPLES / pair["after"]])
    assert res.returncode == 0, res
    doc = res.json()
    assert doc["schema"] == "fixproof.diff/1"
    assert doc["verdict"] == pair["verdict"], doc["reasons"]
    tests = by_id(doc)
    for target, change in pair["targets"].items():
        assert tests[target]["target"] is True
        assert tests[target]["change"] == change, target
    assert doc["target_count"] == len(TARGETS)
    assert [t["matched"] for t in doc["targets"]] == [1] * len(TARGETS)
    changed = lambda kind: sorted(t["id"] for t in doc["tests"] if t["change"] == kind)
    assert changed("regressed") == sorted(pair["regressed"])
    assert changed("removed") == sorted(pair["removed"])
    assert changed("new") == sorted(pair["new"])
    assert changed("collectable") == sorted(pair["newly_collectable"])
    for module in pair["collection_errors_resolved"]:
        assert tests[module]["module"] is True
        assert tests[module]["change"] in ("fixed", "progressed"), tests[module]


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_test_changes_as_the_ground_truth_says(samples, name):
    pair = PAIRS[name]
    before = EXPECTED["states"][pair["before"]]["tests"]
    after = EXPECTED["states"][pair["after"]]["tests"]
    doc = diff([SAMPLES / pair["before"]], [SAMPLES / pair["after"]]).json()
    tests = by_id(doc)
    assert len(tests) == len(set(before) | set(after))
    collectable = set(pair["newly_collectable"])
    for tid in sorted(set(before) | set(after)):
        got = tests[tid]
        b, a = before.get(tid), after.get(tid)
        assert got["outcome"]["before"] == outcome(b), tid
        if tid in collectable:
            assert got["change"] == "collectable", tid
        elif tid in pair["collection_errors_resolved"]:
            continue  # a module's outcome after is that of its tests
        else:
            want = expected_change(b, a)
            # A test that failed before and whose results after disagree
            # passed on a rerun only: flaky, whatever its worst result.
            if want in ("fixed", "progressed", "still_failing") and tid in pair.get("flaky", []):
                want = "flaky"
            assert got["change"] == want, tid
            assert got["outcome"]["after"] == outcome(a), tid


@pytest.mark.parametrize("state", ["before", "after", "resolved", "regressed"])
def test_category_and_summary_counts(samples, state):
    doc = diff([SAMPLES / "before"], [SAMPLES / state]).json()
    truth = EXPECTED["states"][state]
    side = doc["after"]
    for key in ("tests", "passed", "failed", "errors", "skipped"):
        assert side["summary"][key] == truth["counts"][key], key
    cats = {"infrastructure": 0, "business_logic": 0}
    causes = {"infrastructure": {}, "business_logic": {}}
    for t in truth["tests"].values():
        if t["category"]:
            cats[t["category"]] += 1
            causes[t["category"]][t["cause"]] = causes[t["category"]].get(t["cause"], 0) + 1
    assert side["categories"] == cats
    assert side["causes"] == causes
    assert side["collection"]["files"] == truth["collection"]["files"]
    assert side["collection"]["files_with_errors"] == truth["collection"]["files_with_errors"]


def test_metrics_carry_numerators_and_denominators(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    m = doc["metrics"]
    truth = EXPECTED["states"]
    for side, state in (("before", "before"), ("after", "after")):
        counts = truth[state]["counts"]
        known = counts["tests"] - counts["skipped"]
        assert m["pass_rate"][side] == {"numerator": counts["passed"], "denominator": known,
                                        "value": round(counts["passed"] / known, 3)}
        tests = truth[state]["tests"].values()
        reach = sum(1 for t in tests if t["status"] == "passed" or t["category"] == "business_logic")
        assert m["business_logic_reach"][side]["numerator"] == reach
        assert m["business_logic_reach"][side]["denominator"] == known
        ran = sum(1 for t in tests if t["status"] == "passed" or
                  (t["status"] in ("failed", "error") and t["phase"] == "call"))
        assert m["execution_rate"][side]["numerator"] == ran
        assert m["execution_rate"][side]["denominator"] == counts["tests"]
        col = truth[state]["collection"]
        assert m["collection_rate"][side] == {
            "numerator": col["files"] - col["files_with_errors"], "denominator": col["files"],
            "value": round((col["files"] - col["files_with_errors"]) / col["files"], 3)}


def test_implicit_targets_are_the_tests_that_failed(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "resolved"], targets=[]).json()
    failing = [k for k, t in EXPECTED["states"]["before"]["tests"].items()
               if t["status"] in ("failed", "error")]
    assert doc["target_count"] == len(failing)
    assert sorted(t["id"] for t in doc["tests"] if t["target"]) == sorted(failing)
    # Two business-logic failures are never fixed: only partly resolved.
    assert doc["verdict"] == "partially_resolved"
    assert doc["targets"] == []


def test_reasons_name_their_numbers(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    assert doc["reasons"][0] == "1 of 4 targets passes after the fix"
    assert any(r.startswith("2 targets now reach the code under test and fail on business logic")
               for r in doc["reasons"])
    assert "No test that passed before fails after" in doc["reasons"]


def test_skip_only_fix_is_unresolved_with_its_reason(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "skipped"]).json()
    assert doc["verdict"] == "unresolved"
    assert any("skipped after the fix, and a skip is not a fix" in r for r in doc["reasons"])


# ---- joining across formats and shards ----

def changes_of(doc):
    return {t["id"]: t["change"] for t in doc["tests"]}


def test_xunit1_before_joins_xunit2_after(samples):
    plain = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    x1 = diff([SAMPLES / "variants" / "before" / "junit-xunit1.xml",
               SAMPLES / "before" / "collect-only.txt"], [SAMPLES / "after"]).json()
    assert x1["verdict"] == plain["verdict"]
    assert changes_of(x1) == changes_of(plain)


def test_junit_only_before_joins_collect_and_junit_after(samples):
    doc = diff([SAMPLES / "before" / "junit.xml"], [SAMPLES / "after"]).json()
    plain = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    assert doc["verdict"] == "partially_resolved"
    # Without the collect-only file the ids before are JUnit keys; the join
    # still pairs every test, so the changes are the same.
    assert sorted(changes_of(doc).values()) == sorted(changes_of(plain).values())
    assert doc["before"]["collection"] is None


def test_two_shards_per_side(samples):
    doc = diff([SAMPLES / "variants" / "before" / "shards"],
               [SAMPLES / "variants" / "after" / "shards"]).json()
    plain = diff([SAMPLES / "before" / "junit.xml"], [SAMPLES / "after" / "junit.xml"]).json()
    assert len(doc["before"]["inputs"]) == 2
    assert doc["verdict"] == plain["verdict"]
    assert changes_of(doc) == changes_of(plain)


def test_shards_and_stdin(samples):
    xml = (SAMPLES / "after" / "junit.xml").read_bytes()
    res = run("diff", "--before", SAMPLES / "before", "--after", "-",
              *sum((["--target", t] for t in TARGETS), []), stdin=xml)
    assert res.returncode == 0, res
    assert res.json()["after"]["inputs"][0]["path"] == "-"


def test_provenance_lists_every_input_with_sha256(samples):
    import hashlib
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    for side, state in (("before", "before"), ("after", "after")):
        inputs = doc[side]["inputs"]
        assert sorted(i["path"].rsplit("/", 1)[1] for i in inputs) == ["collect-only.txt", "junit.xml"]
        for i in inputs:
            data = open(i["path"], "rb").read()
            assert i["sha256"] == hashlib.sha256(data).hexdigest()
            assert i["bytes"] == len(data)


# ---- the command line ----

def test_fail_on(samples):
    reg = [SAMPLES / "before"], [SAMPLES / "regressed"]
    part = [SAMPLES / "before"], [SAMPLES / "after"]
    assert diff(*reg, "--fail-on", "regressed").returncode == 1
    assert diff(*part, "--fail-on", "regressed").returncode == 0
    assert diff(*part, "--fail-on", "unresolved").returncode == 0
    assert diff(*part, "--fail-on", "any").returncode == 1
    res = diff(*part, "--fail-on", "sometimes")
    assert res.returncode == 2
    assert "--fail-on takes regressed, unresolved, any or never" in res.err


def test_unmatched_target_is_an_error(samples):
    res = diff([SAMPLES / "before"], [SAMPLES / "after"], targets=["test_does_not_exist"])
    assert res.returncode == 2
    assert res.err == ("fixproof: target 'test_does_not_exist' matches no test before "
                       "or after the fix\n")
    assert res.out == ""


def test_glob_target(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"],
               targets=["*::TestConcurrentUsers::test_isolation[?]"]).json()
    assert doc["target_count"] == 3
    assert doc["targets"][0]["matched"] == 3


def test_changed_only_leaves_out_unchanged_tests(samples):
    full = diff([SAMPLES / "before"], [SAMPLES / "after"]).json()
    res = diff([SAMPLES / "before"], [SAMPLES / "after"], "--changed-only")
    short = res.json()
    assert short["changes"] == full["changes"]
    assert len(short["tests"]) == len(full["tests"]) - full["changes"]["unchanged"]


def test_usage_errors():
    res = run("diff", "--before", "x.xml")
    assert res.returncode == 2
    assert "both --before and --after are needed" in res.err
    res = run("diff", "--after")
    assert res.returncode == 2
    assert res.err.startswith("fixproof: diff: option '--after' needs at least one INPUT")
    assert run("diff", "--help").out.startswith("usage: fixproof diff --before INPUT...")


def test_output_file_appears_complete(samples, tmp_path):
    out = tmp_path / "diff.json"
    res = diff([SAMPLES / "before"], [SAMPLES / "after"], "-o", out)
    assert res.returncode == 0 and res.out == ""
    assert json.loads(out.read_text())["verdict"] == "partially_resolved"
    assert [p.name for p in tmp_path.iterdir()] == ["diff.json"]


def test_empty_after_is_inconclusive(samples, tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?><testsuites><testsuite name="x" tests="0"/></testsuites>')
    doc = diff([SAMPLES / "before"], [empty], targets=[]).json()
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == "The run after the fix has no tests: there is no evidence to compare"


def test_truncated_after_cannot_prove_resolution(samples, tmp_path):
    data = (SAMPLES / "resolved" / "junit.xml").read_bytes()
    cut = tmp_path / "resolved-cut.xml"
    cut.write_bytes(data[: int(len(data) * 0.9)])
    res = diff([SAMPLES / "before"], [cut])
    doc = res.json()
    assert doc["after"]["inputs"][0]["complete"] is False
    assert doc["verdict"] != "resolved"
    assert any("is incomplete (cut short)" in r for r in doc["reasons"])
