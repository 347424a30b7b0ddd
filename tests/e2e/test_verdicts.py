"""The verdict rules (README, "Verdicts") on real runs of real fixes.

Each case is pytest (or jest + jest-junit) output of a small project under
tests/data/verdicts/projects/, made by tests/data/verdicts/make.py and
make-jest.sh: the fixes that hand-written reports, and fixproof before these
rules, called resolved without the evidence for it. Each test states the
verdict, each target's change and the reasons' wording.
"""
import pytest

from conftest import ROOT, SAMPLES, run

DATA = ROOT / "tests" / "data" / "verdicts"


def diff(before, after, *args):
    res = run("diff", "--before", *map(str, before), "--after", *map(str, after), *args)
    assert res.returncode == 0, res
    return res.json()


def case(project, state):
    return DATA / project / state


def change(doc, tid):
    return next(t for t in doc["tests"] if t["id"] == tid)["change"]


def targets(doc):
    return {t["id"]: t["change"] for t in doc["tests"] if t["target"]}


def reason(doc, start):
    """The one reason that starts with `start`."""
    found = [r for r in doc["reasons"] if r.startswith(start)]
    assert len(found) == 1, (start, doc["reasons"])
    return found[0]


# ---- 1. a target that passed before is no evidence ----

def test_identical_inputs_are_inconclusive(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "before"], "--target", "test_version")
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == ("The runs before and after the fix were read from the same "
                                 "inputs (by sha256): the same evidence cannot show a change")


def test_target_that_passed_before_is_nothing_to_prove(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"], "--target", "test_version")
    assert doc["verdict"] == "inconclusive"
    assert targets(doc) == {"tests/test_smoke.py::test_version": "unchanged"}
    assert doc["reasons"][0] == ("The target did not fail before the fix, so there is nothing the "
                                 "fix can be shown to resolve: tests/test_smoke.py::test_version")


def test_targets_that_passed_before_are_named_beside_a_fix(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "resolved"], "--target", "TestConcurrentUsers",
               "--target", "test_version")
    assert doc["verdict"] == "resolved"
    assert reason(doc, "1 target passed before the fix too") == (
        "1 target passed before the fix too, so it is no evidence of it: "
        "tests/test_smoke.py::test_version")


# ---- 2. a target in a module that failed to collect takes the module's failure ----

def test_target_in_a_broken_module_progressed():
    doc = diff([case("broken-module", "before")], [case("broken-module", "progressed")],
               "--target", "test_gold_rate")
    assert doc["verdict"] == "partially_resolved"
    entry = next(t for t in doc["tests"] if t["target"])
    assert entry["id"] == "tests/test_discount.py::test_gold_rate"
    assert entry["change"] == "progressed"
    assert entry["via_module"] is True
    assert entry["outcome"] == {"before": "infrastructure", "after": "business_logic"}
    assert doc["reasons"][0] == "The target improved after the fix but does not pass yet"
    assert reason(doc, "1 target now reaches") == (
        "1 target now reaches the code under test and fails on business logic: "
        "tests/test_discount.py::test_gold_rate")
    assert reason(doc, "The run before stopped") == (
        "The run before stopped at 2 collection errors: 2 collected tests never ran")


def test_target_in_a_broken_module_fixed():
    doc = diff([case("broken-module", "before")], [case("broken-module", "fixed")],
               "--target", "test_gold_rate")
    assert doc["verdict"] == "resolved"
    assert targets(doc) == {"tests/test_discount.py::test_gold_rate": "fixed"}
    assert doc["reasons"][0] == "The target passes after the fix"
    # The tests that never ran before (the run stopped) and run now.
    assert change(doc, "tests/test_cart.py::test_subtotal_empty") == "newly_run"


def test_broken_module_as_implicit_target_takes_its_tests_outcome():
    doc = diff([case("broken-module", "before")], [case("broken-module", "progressed")])
    assert doc["verdict"] == "partially_resolved"
    assert targets(doc) == {"tests/test_discount.py": "progressed", "tests/test_tax.py": "fixed"}
    assert doc["reasons"][0] == "1 of 2 targets passes after the fix"


# ---- 3. deselecting the failing tests is no fix ----

def test_more_tests_deselected_after_is_inconclusive():
    doc = diff([case("deselect", "before")], [case("deselect", "after")])
    assert doc["verdict"] == "inconclusive"
    assert doc["after"]["collection"]["deselected"] == 3
    assert doc["reasons"][0] == ("3 tests were deselected after the fix (6/9 collected), against 0 "
                                 "before, so the suite did not run in full")


# ---- 4. a test that never ran before must not vanish ----

def test_test_that_never_ran_before_and_is_deleted_is_inconclusive():
    doc = diff([case("interrupted", "before")], [case("interrupted", "after")])
    assert doc["verdict"] == "inconclusive"
    assert change(doc, "tests/test_cart.py::test_gold_cart_at_threshold") == "removed"
    assert doc["reasons"][0] == (
        "1 test collected before is missing after the fix; it never ran before, since the run "
        "stopped at collection errors: tests/test_cart.py::test_gold_cart_at_threshold")
    assert reason(doc, "The run before stopped") == (
        "The run before stopped at 1 collection error: 3 collected tests never ran")


# ---- 5. jest suites that failed to run ----

JEST = DATA / "jest"


def test_jest_suite_left_out_of_junit_is_nothing_to_prove():
    doc = diff([JEST / "default" / "before.xml"], [JEST / "default" / "fixed.xml"])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0].startswith("No test failed before the fix")


@pytest.mark.parametrize("conf", ["file-attr", "suite-path"])
def test_jest_suite_failure_joins_its_tests_after(conf):
    fixed = diff([JEST / conf / "before.xml"], [JEST / conf / "fixed.xml"])
    assert fixed["verdict"] == "resolved", fixed["reasons"]
    assert targets(fixed) == {"src/cart.test.js": "fixed"}
    buggy = diff([JEST / conf / "before.xml"], [JEST / conf / "buggy.xml"])
    assert buggy["verdict"] == "partially_resolved", buggy["reasons"]
    assert targets(buggy) == {"src/cart.test.js": "progressed"}
    assert buggy["reasons"][0] == "The target improved after the fix but does not pass yet"


def test_jest_suite_that_cannot_be_joined_is_inconclusive():
    doc = diff([JEST / "suite-errors" / "before.xml"], [JEST / "suite-errors" / "fixed.xml"])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == (
        "1 test suite failed to run before, and no test after can be tied to it: the results "
        "after do not name their files (with jest-junit, set JEST_JUNIT_ADD_FILE_ATTRIBUTE=true "
        "or JEST_JUNIT_SUITE_NAME=\"{filepath}\"): src/cart.test.js")


# ---- 6. a run that never started ----

def test_run_before_that_wrote_nothing_gets_a_report():
    res = run("report", "--before", str(case("never-started", "before")),
              "--after", str(case("never-started", "after")))
    assert res.returncode == 0, res
    doc = diff([case("never-started", "before")], [case("never-started", "after")])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0].startswith("The run before the fix never started: '")
    assert doc["reasons"][0].endswith("collect-only.txt' is empty (pytest wrote nothing; capture "
                                      "its standard error with 2>&1 to see why)")


def test_run_before_that_failed_to_import_its_conftest():
    doc = diff([case("never-started", "before-stderr")], [case("never-started", "after")])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == (
        "The run before the fix never started: ImportError while loading conftest "
        "'/home/dev/never-started/tests/conftest.py'.")
    session = next(t for t in doc["tests"] if t["id"] == "<session>")
    assert session["before"]["category"] == "infrastructure"
    assert session["before"]["cause"] == "import_error"


def test_run_before_with_a_usage_error():
    doc = diff([case("never-started", "usage-error")], [case("never-started", "after")])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0].startswith("The run before the fix never started: ")
    session = next(t for t in doc["tests"] if t["id"] == "<session>")
    assert session["before"]["cause"] == "configuration"


# ---- 7. collecting a test proves nothing about it ----

def test_only_collect_only_output_after_is_inconclusive():
    doc = diff([case("broken-module", "before")], [case("broken-module", "fixed-collect-only")])
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == ("No test ran after the fix: its inputs hold only collect-only "
                                 "output, and collecting a test proves nothing about it")


# ---- 8. what disappears is named, and ids that change do not block ----

def test_passed_tests_missing_after_are_named_without_blocking():
    doc = diff([case("removed", "before")], [case("removed", "after")])
    assert doc["verdict"] == "resolved"
    assert targets(doc) == {"tests/test_ops.py::test_mean": "fixed"}
    gone = reason(doc, "3 tests that passed before are missing after the fix: ")
    assert "tests/test_legacy.py::test_legacy_rounding" in gone
    # The parametrize ids hold memory addresses: the collect-only pass and
    # the run disagree, and so do the runs before and after.
    assert "test_point_is_positive[<test_objects.Point object at 0x" in gone
    assert reason(doc, "2 tests collected after the fix have no result (an id that changes")
    assert reason(doc, "2 tests collected before the fix have no result and no match after")
    assert "No test that passed before fails after" in doc["reasons"]


# ---- 9. a pass only on a rerun ----

def test_pass_on_a_rerun_only_is_flaky(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "flaky"], "--target", "TestConcurrentUsers",
               "--target", "test_concurrent_login")
    assert change(doc, "tests/test_sessions.py::test_concurrent_login") == "flaky"
    assert doc["changes"]["flaky"] == 1
    assert doc["verdict"] == "partially_resolved"
    assert doc["reasons"][0] == "3 of 4 targets pass after the fix"
    assert reason(doc, "1 target passes only on a rerun") == (
        "1 target passes only on a rerun (flaky), which does not count as fixed: "
        "tests/test_sessions.py::test_concurrent_login")


# ---- --goal reach ----

def test_goal_reach_is_unblocked_when_targets_reach_business_logic(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"], "--target", "TestConcurrentUsers",
               "--goal", "reach")
    assert doc["goal"] == "reach"
    assert doc["verdict"] == "unblocked", doc["reasons"]
    assert doc["reasons"][0] == (
        "Every target that failed on infrastructure before now reaches the code under test "
        "(3 of 3); business-logic failures remain and are the next step")
    assert reason(doc, "2 targets now reach the code under test and fail on business logic")


def test_goal_reach_with_a_target_still_blocked_is_not_unblocked(samples):
    doc = diff([SAMPLES / "before"], [SAMPLES / "after"], "--target", "TestConcurrentUsers",
               "--target", "test_concurrent_login", "--goal", "reach")
    assert doc["verdict"] == "partially_resolved"


def test_fail_on_unresolved_takes_unblocked_as_success_only_with_goal_reach(samples):
    common = ["diff", "--before", str(SAMPLES / "before"), "--after", str(SAMPLES / "after"),
              "--target", "TestConcurrentUsers", "--fail-on", "any", "-q"]
    assert run(*common, "--goal", "reach").returncode == 0
    assert run(*common).returncode == 1


def test_a_regression_still_says_how_many_targets_pass():
    samples = ROOT / "samples"
    doc = diff([samples / "before"], [samples / "regressed"])
    assert doc["verdict"] == "regressed"
    assert doc["reasons"][0].startswith("1 test that passed before fails after the fix")
    assert reason(doc, "16 of 18 targets pass after the fix") == "16 of 18 targets pass after the fix"
    doc = diff([samples / "before"], [samples / "regressed"], "--target", "test_isolation")
    assert reason(doc, "All 3 targets pass") == "All 3 targets pass after the fix"
