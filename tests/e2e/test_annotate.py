"""`fixproof annotate` and `report --annotate`: GitHub workflow commands for
the tests that matter, on the real sample runs and on JUnit files written
here to hold what real runs rarely do at once (dozens of regressions, names
that try to end the command, file and line attributes)."""
import re
import urllib.parse
from xml.sax.saxutils import quoteattr

import pytest

from conftest import SAMPLES, need_shared, run

REGRESSED_LINE = (
    "::error file=tests/test_inventory.py,line=22,title=tests/test_inventory.py%3A%3A"
    "TestInventory%3A%3ATestReservations%3A%3Atest_reserve_reduces_stock%3A regressed::"
    "Before the fix: passed; after: failed on business logic (assertion).%0Aassert 10 == 7")
COMMAND = re.compile(r"^::(error|warning|notice) (?:(.*?)::)(.*)$")


def ok(res):
    assert res.returncode == 0, res
    return res


def commands(text):
    """Each line as (kind, {property: value}, message), unescaped as GitHub does."""
    out = []
    for line in text.splitlines():
        m = COMMAND.match(line)
        assert m, f"not a workflow command: {line!r}"
        props = {}
        for part in m.group(2).split(","):
            key, value = part.split("=", 1)
            props[key] = urllib.parse.unquote(value)
        out.append((m.group(1), props, urllib.parse.unquote(m.group(3))))
    return out


def junit(path, cases):
    """cases: (classname, name, result, attrs) with result 'pass', 'fail', 'error' or 'skip'."""
    rows = []
    for cls, name, result, attrs in cases:
        extra = "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items())
        body = {"pass": "", "fail": '<failure message="assert 1 == 2">trace</failure>',
                "error": '<error message="boom">trace</error>',
                "skip": '<skipped message="later"/>'}[result]
        rows.append(f"<testcase classname={quoteattr(cls)} name={quoteattr(name)}{extra}>"
                    f"{body}</testcase>")
    path.write_text('<?xml version="1.0"?><testsuites><testsuite name="pytest">'
                    + "".join(rows) + "</testsuite></testsuites>\n")
    return path


def test_annotate_regressed_sample():
    res = ok(run("annotate", "--before", SAMPLES / "before", "--after", SAMPLES / "regressed",
                 "--target", "TestConcurrentUsers", "--target", "test_concurrent_login"))
    assert res.out == REGRESSED_LINE + "\n"


def test_annotate_regressed_sample_with_implicit_targets_orders_errors_first():
    res = ok(run("annotate", "--before", SAMPLES / "before", "--after", SAMPLES / "regressed"))
    cmds = commands(res.out)
    kinds = [k for k, _, _ in cmds]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)
    assert res.out.startswith(REGRESSED_LINE + "\n")
    titles = [p["title"] for _, p, _ in cmds]
    assert any(t.endswith(": target still failing") for t in titles)


def test_annotate_uses_file_and_line_attributes(tmp_path):
    before = junit(tmp_path / "b.xml", [("pkg.test_a", "test_x", "pass", {})])
    after = junit(tmp_path / "a.xml", [("pkg.test_a", "test_x", "fail",
                                        {"file": "pkg/test_a.py", "line": 41})])
    (kind, props, message), = commands(ok(run("annotate", "--before", before, "--after", after)).out)
    assert kind == "error"
    assert props == {"file": "pkg/test_a.py", "line": "41",
                     "title": "pkg.test_a::test_x: regressed"}
    assert message == ("Before the fix: passed; after: failed on business logic (assertion).\n"
                       "assert 1 == 2")


def test_annotate_escapes_what_would_end_the_command(tmp_path):
    evil = "t[a,b:c%0A]\n::error::pwned%"
    before = junit(tmp_path / "b.xml", [("m", evil, "pass", {})])
    after = junit(tmp_path / "a.xml", [("m", evil, "fail", {"file": "x,y:z%.py", "line": 3})])
    res = ok(run("annotate", "--before", before, "--after", after))
    assert res.out.count("\n") == 1 and "::error::pwned" not in res.out
    (kind, props, _), = commands(res.out)
    assert props["file"] == "x,y:z%.py"
    assert props["title"] == f"m::{evil}: regressed"


def test_annotate_caps_keep_the_most_important_and_count_the_rest(tmp_path):
    before_cases, after_cases = [], []
    for i in range(30):   # regressions: errors
        before_cases.append(("m", f"test_reg_{i:02}", "pass", {}))
        after_cases.append(("m", f"test_reg_{i:02}", "fail", {}))
    for i in range(15):   # new tests that fail: warnings
        after_cases.append(("m", f"test_new_{i:02}", "fail", {}))
    before = junit(tmp_path / "b.xml", before_cases)
    after = junit(tmp_path / "a.xml", after_cases)
    cmds = commands(ok(run("annotate", "--before", before, "--after", after)).out)
    kinds = [k for k, _, _ in cmds]
    assert kinds.count("error") == 10 and kinds.count("warning") == 10
    assert [p["title"] for _, p, _ in cmds[:2]] == ["m::test_reg_00: regressed",
                                                   "m::test_reg_01: regressed"]
    last_kind, last_props, last_message = cmds[-1]
    assert last_kind == "notice" and last_props["title"] == "fixproof: 25 more annotations left out"
    assert "left out: 20 regressed, 5 newly failing." in last_message


def test_annotate_root_makes_trace_paths_relative(tmp_path):
    trace = ("Traceback (most recent call last):\n"
             f'  File "{tmp_path}/repo/tests/test_db.py", line 8, in test_db\n'
             '  File "/usr/lib/python3/dist-packages/psycopg/conn.py", line 90, in connect\n')
    before = junit(tmp_path / "b.xml", [("tests.test_db", "test_db", "pass", {})])
    after = tmp_path / "a.xml"
    after.write_text('<testsuite><testcase classname="tests.test_db" name="test_db">'
                     f'<failure message="boom">{trace}</failure></testcase></testsuite>')
    (_, props, _), = commands(ok(run("annotate", "--before", before, "--after", after,
                                     "--root", tmp_path / "repo")).out)
    assert (props["file"], props["line"]) == ("tests/test_db.py", "8")
    (_, props, _), = commands(ok(run("annotate", "--before", before, "--after", after,
                                     env={"GITHUB_WORKSPACE": str(tmp_path / "repo")})).out)
    assert props["file"] == "tests/test_db.py"
    # Outside the root, the frame is no place to annotate.
    (_, props, _), = commands(ok(run("annotate", "--before", before, "--after", after,
                                     "--root", tmp_path / "elsewhere")).out)
    assert "file" not in props


def test_annotate_nothing_that_matters_prints_nothing():
    res = ok(run("annotate", "--before", SAMPLES / "before", "--after", SAMPLES / "resolved",
                 "--target", "TestConcurrentUsers", "--target", "test_concurrent_login"))
    assert res.out == ""


def test_report_annotate_writes_annotations_to_stderr():
    res = ok(run("report", "--before", SAMPLES / "before", "--after", SAMPLES / "regressed",
                 "--target", "TestConcurrentUsers", "--target", "test_concurrent_login",
                 "--annotate", "-q"))
    assert res.out.startswith("## ") and "::error" not in res.out
    assert res.err == REGRESSED_LINE + "\n"


@pytest.mark.parametrize("args, message", [
    (["--before", SAMPLES / "before"], "both --before and --after are needed"),
    (["--before", SAMPLES / "before", "--after", SAMPLES / "after", "--target", "nope_xyz"],
     "nope_xyz"),
    (["--nope"], "--nope"),
])
def test_annotate_usage_errors(args, message):
    res = run("annotate", *args)
    assert res.returncode == 2, res
    assert message in res.err and res.err.count("\n") == 1


def test_annotate_puts_nothing_on_frames_outside_the_checkout():
    corpus = need_shared("corpus", "junit")
    # A Node internal frame of jest-junit's stacks and Java's bare file names
    # ("Assert.java") are no files of the repository: no file= for them.
    res = ok(run("annotate", "--before", corpus / "empty__java-junit.xml",
                 "--after", corpus / "jest-junit.xml"))
    files = [p.get("file") for _, p, _ in commands(res.out)]
    assert files and "internal/process/task_queues.js" not in files
    # The file attribute written on Windows is made a path GitHub knows.
    assert "__tests__/main.test.js" in files and not any("\\" in (f or "") for f in files)
    res = ok(run("annotate", "--before", corpus / "empty__java-junit.xml",
                 "--after", corpus / "java__pulsar-test-report.xml"))
    cmds = commands(res.out)
    assert cmds and all(not (p.get("file") or "").endswith("Assert.java") for _, p, _ in cmds)
