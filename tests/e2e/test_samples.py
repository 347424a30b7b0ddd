"""Checks the committed samples/ against tests/sample_project/expected.json.

These tests do not run fixproof: they read the JUnit files with lxml and the
collect-only outputs with the regular expressions of tests/make_samples.py,
so that the ground truth other tests rely on is itself checked against the
real pytest outputs. The last test regenerates everything and compares.
"""
import collections
import json
import os
import subprocess
import sys

import pytest
from lxml import etree

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests"))
import make_samples  # noqa: E402

EXPECTED = json.loads((ROOT / "tests" / "sample_project" / "expected.json").read_text())
STATES = sorted(EXPECTED["states"])
STATUS_OF_TAG = {"error": "error", "failure": "failed", "skipped": "skipped"}
COUNT_OF_STATUS = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}
CAUSES = {"collection_error", "import_error", "missing_fixture", "setup_error", "teardown_error",
          "missing_attribute", "connection", "timeout", "configuration", "assertion", "exception"}


def junit(path, state):
    """Maps node id -> status for every testcase of a JUnit file; lists the testcases."""
    files = make_samples.test_files(state)
    cases = []
    for case in etree.parse(str(path)).iter("testcase"):
        tags = [STATUS_OF_TAG[child.tag] for child in case if child.tag in STATUS_OF_TAG]
        status = min(tags, key=["error", "failed", "skipped"].index) if tags else "passed"
        cases.append((make_samples.node_id(case.get("classname"), case.get("name"), files),
                      status, case))
    return {node: status for node, status, _ in cases}, cases


def statuses(tests):
    return {node: t["status"] for node, t in tests.items()}


def counts(statuses_by_id):
    found = collections.Counter(COUNT_OF_STATUS[s] for s in statuses_by_id.values())
    return {"tests": len(statuses_by_id), **{k: found[k] for k in COUNT_OF_STATUS.values()}}


def collected_ids(state):
    """The node ids a state collects, and its collection errors (module paths)."""
    tests = EXPECTED["states"][state]["tests"]
    errors = {node for node, t in tests.items() if t["phase"] == "collection"}
    return set(tests) - errors, errors


def items(path):
    """What make_samples.collected() finds in a collect-only output, split by kind."""
    kinds = collections.defaultdict(set)
    for item in make_samples.collected(path.read_text()):
        kind, _, rest = item.partition(" ")
        if kind in ("ERROR", "SUMMARY"):
            kinds[kind].add(rest)
        else:
            kinds["ids"].add(item)
    return kinds


def test_state_directories_hold_one_run_each(samples):
    assert sorted(p.name for p in samples.iterdir()) == sorted(STATES + ["variants"])
    for state in STATES:
        names = sorted(p.name for p in (samples / state).iterdir())
        assert names == EXPECTED["states"][state]["files"], state
        if state != "flaky":
            assert names == ["collect-only.txt", "junit.xml"], state
    assert sorted(p.name for p in (samples / "variants").iterdir()) == STATES


@pytest.mark.parametrize("state", STATES)
def test_junit_has_every_expected_test_with_its_status(samples, state):
    want = EXPECTED["states"][state]
    got, cases = junit(samples / state / "junit.xml", state)
    assert len(cases) == want["counts"]["tests"]
    assert got == statuses(want["tests"])
    assert counts(got) == want["counts"]


def test_flaky_rerun_passes_the_flaky_target(samples):
    want = EXPECTED["states"]["flaky"]["reruns"]["junit-rerun.xml"]
    got, _ = junit(samples / "flaky" / "junit-rerun.xml", "flaky")
    assert got == statuses(want["tests"])
    assert counts(got) == want["counts"]
    first, _ = junit(samples / "flaky" / "junit.xml", "flaky")
    flaky = EXPECTED["pairs"]["flaky"]["flaky"]
    assert [node for node in got if got[node] != first[node]] == flaky
    assert (first[flaky[0]], got[flaky[0]]) == ("failed", "passed")


@pytest.mark.parametrize("state", STATES)
def test_collect_only_lists_every_expected_test(samples, state):
    ids, errors = collected_ids(state)
    found = items(samples / state / "collect-only.txt")
    assert found["ids"] == ids
    assert found["ERROR"] == errors
    summary = f"{len(ids)} tests collected" + (f", {len(errors)} error" if errors else "")
    assert found["SUMMARY"] == {summary}
    assert EXPECTED["states"][state]["collection"]["collected"] == len(ids)
    text = (samples / state / "collect-only.txt").read_text()
    assert "rootdir: /home/dev/shop, configfile: pytest.ini" in text


@pytest.mark.parametrize("state", STATES)
def test_variants_agree_with_the_run(samples, state):
    variants = samples / "variants" / state
    run, _ = junit(samples / state / "junit.xml", state)
    xunit1, cases = junit(variants / "junit-xunit1.xml", state)
    assert xunit1 == run
    # xunit1 adds file and line; a collection error has a file but no line.
    assert all(case.get("file") == node.split("::")[0] for node, _, case in cases)
    assert all(case.get("line", "").isdigit() for node, _, case in cases if "::" in node)

    ids, errors = collected_ids(state)
    quiet = items(variants / "collect-q.txt")
    assert quiet["ids"] == ids and quiet["ERROR"] == errors
    per_file = collections.Counter(node.split("::")[0] for node in ids)
    assert items(variants / "collect-qq.txt")["ids"] == {f"{f}: {n}" for f, n in per_file.items()}

    shard1, _ = junit(variants / "shards" / "shard-1.xml", state)
    shard2, _ = junit(variants / "shards" / "shard-2.xml", state)
    files1 = {node.split("::")[0] for node in shard1}
    files2 = {node.split("::")[0] for node in shard2}
    assert files1 and files2 and not files1 & files2
    assert {**shard1, **shard2} == run


def test_before_variants_of_a_collection_error(samples):
    variants = samples / "variants" / "before"
    stopped, _ = junit(variants / "junit-stop-at-collection-error.xml", "before")
    assert stopped == {"tests/api/test_payments.py": "error"}

    ids, errors = collected_ids("before")
    found = items(variants / "collect-k.txt")
    kept = {node for node in ids if "ledger" not in node and "route" not in node}
    assert found["ids"] == kept and len(kept) == 32
    assert found["ERROR"] == errors
    assert found["SUMMARY"] == {"32/39 tests collected (7 deselected), 1 error"}


def test_outputs_carry_no_temporary_paths(samples):
    for path in samples.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "fixproof-samples" not in text, path
            assert "/tmp/" not in text, path


def test_expected_is_consistent():
    targets = EXPECTED["targets"]
    for state, want in EXPECTED["states"].items():
        assert set(targets) <= set(want["tests"]), state
        for node, t in want["tests"].items():
            if t["status"] in ("passed", "skipped"):
                assert (t["category"], t["cause"]) == (None, None), node
            else:
                assert t["category"] in ("infrastructure", "business_logic"), node
                assert t["cause"] in CAUSES, node
    for state, pair in EXPECTED["pairs"].items():
        assert pair["before"] == "before" and pair["after"] == state
        assert sorted(pair["targets"]) == sorted(targets)
        regressed = bool(pair["regressed"])
        fixed = all(c == "fixed" for c in pair["targets"].values()) and "flaky" not in pair
        improved = any(c in ("fixed", "progressed") for c in pair["targets"].values())
        verdict = ("regressed" if regressed else "resolved" if fixed
                   else "partially_resolved" if improved else "unresolved")
        assert pair["verdict"] == verdict, state


def debian_pytest():
    proc = subprocess.run(make_samples.PYTEST + ["--version"], capture_output=True)
    return proc.returncode == 0


@pytest.mark.skipif(not debian_pytest(), reason="Debian's pytest (/usr/bin/python3) is absent")
@pytest.mark.skipif(os.environ.get("FIXPROOF_SANITIZED") == "1",
                    reason="does not run the binary; checked once in the plain e2e run")
def test_regenerating_gives_the_committed_samples(samples):
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "make_samples.py"), "--check"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("the same")
