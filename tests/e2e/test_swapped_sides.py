"""Swapped sides: when every JUnit timestamp of the run before is later than
those of the run after, `fixproof report` warns that the sides may be
swapped, on standard error and in the report itself.

The samples are real pytest runs, each with its <testsuite timestamp>:
samples/before ran first, then the runs after the fix.
"""
import re

import pytest

from conftest import ROOT, run

TEMPLATES = ["proof", "pr-summary", "executive"]
WARNING = "the sides may be swapped"


def report(*args):
    res = run("report", *args, cwd=ROOT)
    assert res.returncode == 0, res
    return res


def stamp(path):
    return re.search(r'<testsuite [^>]*timestamp="([^"]+)"', (ROOT / path).read_text())[1]


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_run_before_that_is_later_than_the_run_after_is_a_warning(samples, template):
    res = report("--before", "samples/regressed", "--after", "samples/before",
                 "--template", template)
    earliest = stamp("samples/regressed/junit.xml")[:19].replace("T", " ")
    latest = stamp("samples/before/junit.xml")[:19].replace("T", " ")
    assert earliest > latest  # what the samples are: before ran first
    lines = [l for l in res.err.splitlines() if WARNING in l]
    assert lines == [f"fixproof: warning: {WARNING}: every JUnit timestamp of the run before "
                     f"(the earliest: {earliest}) is later than those of the run after (the "
                     f"latest: {latest}); check that --before names the results from before "
                     f"the fix"]
    # The report says it too, once, as a warning a reader cannot miss.
    warned = [l for l in res.out.splitlines() if WARNING in l]
    assert len(warned) == 1 and warned[0].startswith("> **Warning:** the sides may be swapped")
    # Its times copy as they read: no invisible joiner inside "10:00:00".
    assert f"(the earliest: {earliest})" in warned[0] and "\u2060" not in warned[0]
    view = report("--before", "samples/regressed", "--after", "samples/before",
                  "--format", "view").json()
    assert len(view["warnings"]) == 1 and view["warnings"][0].startswith(WARNING)


@pytest.mark.parametrize("template", TEMPLATES)
def test_sides_in_order_give_no_warning(samples, template):
    res = report("--before", "samples/before", "--after", "samples/regressed",
                 "--template", template)
    assert WARNING not in res.err and WARNING not in res.out
    view = report("--before", "samples/before", "--after", "samples/regressed",
                  "--format", "view").json()
    assert view["warnings"] == []


def test_without_timestamps_there_is_no_warning(samples):
    # Collect-only output has no timestamps: nothing to compare.
    res = report("--before", "samples/regressed/junit.xml",
                 "--after", "samples/before/collect-only.txt")
    assert WARNING not in res.err and WARNING not in res.out
    # One side without timestamps is not evidence either.
    res = report("--before", "samples/regressed/collect-only.txt",
                 "--after", "samples/before/junit.xml")
    assert WARNING not in res.err and WARNING not in res.out


def test_quiet_silences_the_warning_but_not_the_report(samples):
    res = report("--before", "samples/regressed", "--after", "samples/before", "--quiet")
    assert res.err == ""
    assert "> **Warning:** the sides may be swapped" in res.out
