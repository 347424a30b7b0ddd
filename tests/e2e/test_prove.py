"""`fixproof prove` on git repositories built under a temporary directory: a
small Python package with a bug at commit A and the fix with its new test at
commit B, run with the real pytest (issue 16, "Done means"). Every test
checks that no worktree, temporary directory or child process is left."""
import json
import pathlib
import subprocess
import uuid

import pytest

from conftest import binary, run
from test_capture import commit, git, interrupt_when_running, make_repo, processes_with

PYTHON = "/usr/bin/python3"

# Like any Python project's: running pytest in the working tree writes
# __pycache__ (unless PYTHONDONTWRITEBYTECODE is set), which git must not show.
BUGGY = {
    ".gitignore": "__pycache__/\n",
    "calc/__init__.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_zero():\n"
                          "    assert add(0, 0) == 0\n",
}
NEW_TEST = ("from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n\n\n"
            "def test_add():\n    assert add(2, 3) == 5\n")
FIX = {"calc/__init__.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": NEW_TEST}


@pytest.fixture
def scratch(tmp_path):
    """A TMPDIR of its own, so a test can see that prove left nothing there."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return tmp


def prove(repo, scratch, *args, **kw):
    return run("prove", "-q", *args, cwd=repo, env={"TMPDIR": str(scratch)}, **kw)


def assert_nothing_left(repo, scratch):
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert list(scratch.iterdir()) == []


def test_prove_resolved_names_the_new_test_commits_and_versions(tmp_path, scratch):
    repo = make_repo(tmp_path / "repo", BUGGY)
    base = git(repo, "rev-parse", "HEAD")
    head = commit(repo, FIX, "fix add, test it")
    res = prove(repo, scratch, "--base", base, "--tests", "tests", "--", PYTHON, "-m", "pytest")
    assert res.returncode == 0, res
    out = res.out
    assert "Proof of resolution: Resolved" in out
    assert "| `tests/test_calc.py::test_add` | failed on business logic: assertion" in out
    assert "| ✅ fixed |" in out
    section = out.split("### How this was run", 1)[1]
    # The run before ran the fix's tests on the base: said so, not as "uncommitted changes".
    assert (f"| Commit | `{base[:7]}`, with the fix's tests (`tests`) from the working tree "
            f"| `{head[:7]}` on `main` |") in section
    pytest_version = subprocess.run([PYTHON, "-m", "pytest", "--version"], text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.split()[1]
    assert f"pytest {pytest_version}" in section
    assert_nothing_left(repo, scratch)
    # The working tree is untouched: the new test was copied into the base only.
    assert git(repo, "status", "--porcelain") == ""


def test_prove_a_fix_that_only_skips_the_test_is_never_resolved(tmp_path, scratch):
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **{"tests/test_calc.py": NEW_TEST}))
    base = git(repo, "rev-parse", "HEAD")
    skipped = NEW_TEST.replace("def test_add", "import pytest\n\n\n@pytest.mark.skip\ndef test_add")
    commit(repo, {"tests/test_calc.py": skipped}, "skip the failing test")
    # The skip copied into the base too: nothing fails before, nothing to prove.
    res = prove(repo, scratch, "--base", base, "--tests", "tests", "--format", "json", "--",
                PYTHON, "-m", "pytest")
    assert res.returncode == 0, res
    assert res.json()["verdict"] == "inconclusive"
    # The test as it was before: the skip is what changed, and a skip is not a fix.
    res = prove(repo, scratch, "--base", base, "--format", "json", "--", PYTHON, "-m", "pytest")
    diff = res.json()
    assert diff["verdict"] == "unresolved"
    change = {t["id"]: t["change"] for t in diff["tests"]}
    assert change["tests/test_calc.py::test_add"] == "newly_skipped"
    assert_nothing_left(repo, scratch)


def test_prove_repeat_calls_a_fix_that_passes_two_runs_in_three_flaky(tmp_path, scratch):
    counter = tmp_path / "calls"
    counter.write_text("0")
    repo = make_repo(tmp_path / "repo", BUGGY)
    base = git(repo, "rev-parse", "HEAD")
    # The fix is wrong on its second call after the fix: one run in three.
    flaky = ("import pathlib\n\n_CALLS = pathlib.Path(%r)\n\n\ndef add(a, b):\n"
             "    n = int(_CALLS.read_text()) + 1\n    _CALLS.write_text(str(n))\n"
             "    return a + b + (n == 2)\n" % str(counter))
    commit(repo, {"calc/__init__.py": flaky, "tests/test_calc.py": NEW_TEST}, "fix, mostly")
    counter.write_text("0")
    res = prove(repo, scratch, "--base", base, "--tests", "tests", "--repeat", "3",
                "--target", "test_add", "--", PYTHON, "-m", "pytest", "-k", "test_add")
    assert res.returncode == 0, res
    assert "Resolved" not in res.out.split("\n", 1)[0]
    assert "flaky" in res.out
    assert "- `tests/test_calc.py::test_add`: failed 3/3 before, passed 2/3 after" in res.out
    assert "exit status 1 (first of 3 runs)" in res.out
    assert counter.read_text() == "3"
    assert_nothing_left(repo, scratch)


def test_prove_repeat_a_target_that_passed_in_a_run_before_is_never_fixed(tmp_path, scratch):
    counter = tmp_path / "calls"
    counter.write_text("0")
    # The bug hides on its second call: the test passes in one run of three before.
    buggy = ("import pathlib\n\n_CALLS = pathlib.Path(%r)\n\n\ndef add(a, b):\n"
             "    n = int(_CALLS.read_text()) + 1\n    _CALLS.write_text(str(n))\n"
             "    return a + b if n == 2 else a - b\n" % str(counter))
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **{"calc/__init__.py": buggy}))
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, FIX, "fix add, test it")
    res = prove(repo, scratch, "--base", base, "--tests", "tests", "--repeat", "3",
                "--target", "test_add", "--", PYTHON, "-m", "pytest", "-k", "test_add")
    assert res.returncode == 0, res
    assert "- `tests/test_calc.py::test_add`: failed 2/3 before, passed 3/3 after" in res.out
    assert "Resolved" not in res.out.split("\n", 1)[0]
    assert ("- 1 target passed before the fix too, in some of its runs (flaky), so passing after "
            "is no evidence of a fix: `tests/test_calc.py::test_add`") in res.out
    assert "✅ fixed" not in res.out
    assert_nothing_left(repo, scratch)


def test_prove_repeat_resolved_when_every_run_agrees(tmp_path, scratch):
    repo = make_repo(tmp_path / "repo", BUGGY)
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, FIX, "fix add, test it")
    res = prove(repo, scratch, "--base", base, "--tests", "tests/test_calc.py", "--repeat", "2",
                "--", PYTHON, "-m", "pytest")
    assert res.returncode == 0, res
    assert "Proof of resolution: Resolved" in res.out
    assert "- `tests/test_calc.py::test_add`: failed 2/2 before, passed 2/2 after" in res.out
    assert_nothing_left(repo, scratch)


def test_prove_head_keep_and_report_options(tmp_path, scratch):
    repo = make_repo(tmp_path / "repo", BUGGY)
    base = git(repo, "rev-parse", "HEAD")
    head = commit(repo, FIX, "fix add, test it")
    # The working tree moves on; --head still proves the commit.
    (repo / "calc" / "__init__.py").write_text("def add(a, b):\n    raise RuntimeError\n")
    keep = tmp_path / "kept"
    res = prove(repo, scratch, "--base", base, "--head", head, "--tests", "tests",
                "--keep", keep, "--template", "pr-summary", "--fail-on", "any",
                "-o", tmp_path / "report.md", "--", PYTHON, "-m", "pytest")
    assert res.returncode == 0, res
    assert "Resolved" in (tmp_path / "report.md").read_text()
    assert sorted(p.name for p in keep.iterdir()) == ["after", "before"]
    # The record says which tests came from which commit; the copies are not "dirty".
    before = json.loads((keep / "before" / "provenance.json").read_text())["git"]
    assert before["tests_copied"] == {"pathspecs": ["tests"], "from": head}
    assert before["dirty"] is False and before["dirty_paths"] == []
    after = json.loads((keep / "after" / "provenance.json").read_text())["git"]
    assert after["tests_copied"] is None
    again = run("report", "--before", keep / "before", "--after", keep / "after")
    assert again.returncode == 0 and "Proof of resolution: Resolved" in again.out
    assert_nothing_left(repo, scratch)


def test_prove_errors_leave_nothing_behind(tmp_path, scratch):
    repo = make_repo(tmp_path / "repo", BUGGY)
    res = prove(repo, scratch, "--base", "no-such-ref", "--", PYTHON, "-m", "pytest")
    assert res.returncode == 2
    assert "prove: 'no-such-ref' is not a commit of the repository" in res.err
    res = prove(repo, scratch, "--base", "HEAD", "--tests", "nothing/here", "--",
                PYTHON, "-m", "pytest")
    assert res.returncode == 2 and "--tests names no file at the head" in res.err
    assert_nothing_left(repo, scratch)
    res = prove(tmp_path / "repo" / "calc", scratch, "--base", "HEAD", "--repeat", "0", "--", "true")
    assert res.returncode == 2 and "--repeat takes a whole number from 1 to 100" in res.err
    outside = tmp_path / "outside"
    outside.mkdir()
    res = prove(outside, scratch, "--base", "HEAD", "--", "true")
    assert res.returncode == 2 and "not in a git repository" in res.err
    assert list(scratch.iterdir()) == []


def test_prove_ctrl_c_removes_the_worktree_and_stops_the_tests(tmp_path, scratch):
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.75"
    slow = ("import subprocess\n\n\ndef test_slow():\n"
            f"    subprocess.run(['sleep', '{marker}'])\n")
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **{"tests/test_slow.py": slow}))
    proc = subprocess.Popen([binary(), "prove", "-q", "--base", "HEAD", "--", PYTHON, "-m",
                             "pytest"], cwd=repo, env={"TMPDIR": str(scratch), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = interrupt_when_running(proc, marker, 1, 60)
    assert proc.returncode == 130, err
    assert processes_with(marker) == []
    assert_nothing_left(repo, scratch)


def test_prove_usage():
    res = run("prove", "--help")
    assert res.returncode == 0
    for option in ("--base REF", "--head REF", "--tests PATHSPEC", "--repeat N", "--keep DIR",
                   "Report options"):
        assert option in res.out
    res = run("prove", "--base", "HEAD", "--bogus", "--", "true")
    assert res.returncode == 2 and "unknown option '--bogus'" in res.err
    assert run("prove", "--base", "HEAD").returncode == 2
