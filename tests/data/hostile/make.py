#!/usr/bin/python3
"""Regenerates the small hostile inputs in this folder.

Run with Debian's interpreter (its pytest is 7.2.1):

    /usr/bin/python3 tests/data/hostile/make.py

Two kinds of file are written:

- pytest-hostile.*: real pytest 7.2.1 output of a project whose test ids and
  failure messages hold what a stranger's pull request could put there
  (pipes, backticks, @mentions, issue references, <script>, the report's
  hidden marker, links, a 10,000-character id). pytest escapes line ends and
  non-ASCII characters in ids, so those come from the hand-made files below.
  The project lives in /tmp/fixproof-hostile/ (a fixed place, so paths in
  the traces stay the same between runs); "before" fails every test,
  "after" (FIXED=1) passes them all.
- hand-made files for what no test runner writes but a damaged or hostile
  file can hold: entity bombs, external entities and DTDs, XInclude, deep
  nesting, NUL bytes, invalid UTF-8, character references to NUL, a
  Latin-1 document, collect-only text with CRLF, CR-only line ends, NUL
  bytes and invalid UTF-8, and rules files with invalid UTF-8 and with a
  pattern regcomp would blow up.

Every file stays small: tests/leakcheck.py runs each one through
`fixproof parse` under valgrind. Large inputs are made at test time.
"""
import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
WORK = pathlib.Path("/tmp/fixproof-hostile")

# Test ids a hostile pull request can choose (pytest.param(id=...)).
HOSTILE_IDS = [
    "a|b", "`tick`", "```fence```", "@octocat", "#1", "GH-12", "o/r#12",
    "<script>alert(1)</script>", "<!-- fixproof:proof -->", "x" * 10000,
    "[x](javascript:alert(1))", "![i](http://evil.example/p.png)", "https://evil.example/",
    ":smile:", "<img src=x onerror=alert(1)>", "</details><script>x</script>",
    "*a* _b_ ~~c~~", "| --- | --- |",
]

PROJECT = '''\
import os

import pytest

IDS = %r

MESSAGE = ("<script>alert(1)</script> | @octocat #1 <!-- fixproof:proof --> ``` "
           "[x](javascript:alert(1)) </details>")


@pytest.mark.parametrize("value", [pytest.param(i, id=i) for i in IDS])
def test_name(value):
    assert os.environ.get("FIXED"), MESSAGE + " " + value[:40]
''' % (HOSTILE_IDS,)


def pytest_run(*args, fixed=False):
    env = dict(os.environ)
    env.pop("FIXED", None)
    if fixed:
        env["FIXED"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=WORK, env=env, stdout=subprocess.PIPE, check=False)
    return proc.stdout


def make_pytest_files():
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    (WORK / "test_hostile.py").write_text(PROJECT)
    for state, fixed in (("before", False), ("after", True)):
        out = HERE / f"pytest-hostile-{state}.xml"
        pytest_run("-q", f"--junitxml={out}", "test_hostile.py", fixed=fixed)
    (HERE / "pytest-hostile.collect.txt").write_bytes(
        pytest_run("--collect-only", "-q", "test_hostile.py"))


JUNIT_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
OK_CASE = '<testcase classname="tests.test_a" name="test_ok" time="0.001"/>'


def junit(body, head=JUNIT_HEAD):
    return (head + '<testsuites><testsuite name="pytest">' + OK_CASE + body +
            "</testsuite></testsuites>\n").encode("utf-8", "surrogateescape")


def billion_laughs():
    lines = [JUNIT_HEAD.strip(), "<!DOCTYPE testsuites [", '<!ENTITY l0 "lol">']
    for i in range(1, 10):
        lines.append('<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10))
    lines.append("]>")
    lines.append('<testsuites><testsuite><testcase classname="c" name="&l9;">'
                 '<failure message="&l9;">&l9;</failure></testcase></testsuite></testsuites>')
    return ("\n".join(lines) + "\n").encode()


HAND_MADE = {
    "billion-laughs.xml": billion_laughs(),
    "quadratic-blowup.xml": (
        JUNIT_HEAD + '<!DOCTYPE testsuites [<!ENTITY a "%s">]>\n<testsuites><testsuite>'
        '<testcase classname="c" name="n"><failure message="%s">%s</failure></testcase>'
        "</testsuite></testsuites>\n" % ("A" * 2000, "&a;" * 1000, "&a;" * 1000)).encode(),
    "parameter-entity.xml": (
        JUNIT_HEAD + '<!DOCTYPE testsuites [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>\n'
        "<testsuites><testsuite>" + OK_CASE + "</testsuite></testsuites>\n").encode(),
    "external-entity.xml": (
        JUNIT_HEAD + '<!DOCTYPE testsuites [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<testsuites><testsuite><testcase classname="c" name="&secret;"/></testsuite>'
        "</testsuites>\n").encode(),
    "external-dtd.xml": junit("", JUNIT_HEAD + '<!DOCTYPE testsuites SYSTEM '
                              '"http://127.0.0.1:9/junit.dtd">\n'),
    "xinclude.xml": junit(
        '<testcase classname="c" name="n"><failure message="m">'
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
        'parse="text"/></failure></testcase>'),
    "deep-nesting.xml": junit("<x>" * 1000 + "</x>" * 1000),
    "nul-byte.xml": junit('<testcase classname="c" name="a\0b"/>'),
    "invalid-utf8.xml": junit('<testcase classname="c\udcff\udcfe" name="b\udcc3"/>'),
    "charref-nul.xml": junit('<testcase classname="c" name="a&#0;b"/>'),
    "latin1.xml": junit('<testcase classname="c" name="caf\udce9"/>',
                        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
    "newline-names.xml": junit(
        '<testcase classname="c" name="a&#10;| x | y |&#13;&#10;# heading">'
        '<failure message="line one&#10;line two | @octocat"/></testcase>'),
    "collect-crlf.txt": b"tests/test_a.py::test_one\r\ntests/test_a.py::test_two[a b]\r\n\r\n"
                        b"2 tests collected in 0.01s\r\n",
    "collect-cr.txt": b"tests/test_a.py::test_one\rtests/test_a.py::test_two[a b]\r\r"
                      b"2 tests collected in 0.01s\r",
    "collect-nul-utf8.txt": b"tests/test_a.py::test_nul[a\0b]\ntests/test_a.py::test_bad[\xff\xfe\xc3]\n"
                            b"tests/test_a.py::test_ok\n\n3 tests collected in 0.01s\n",
    "rules-stacked-quantifiers.json": b'{"schema": "fixproof.rules/1",\n "rules": [{"name": "timeout", '
                                      b'"message": "i/o time' + b"+" * 100 + b'out", '
                                      b'"category": "infrastructure", "cause": "timeout"}]}\n',
    # The fuzz finding itself (fuzz_rules, a timeout): glibc's regcomp spent
    # minutes in calc_eclosure over the run of '?'.
    "rules-quantifier-chain.json": b'{"schema": "fixproof.rules/1",\n "rules": [{"name": "timeout", '
                                   b'"message": "i/o timecateg++!+++++I++' + b"?" * 97 +
                                   b'+++++]+++++++++++A+++++++o", '
                                   b'"category": "infrastructure", "cause": "timeout"}]}\n',
    # Another fuzz finding (fuzz_rules, out of memory): the same run inside a
    # group that is never closed, which the pattern check once left to regcomp.
    "rules-unclosed-group-chain.json": b'{"schema": "fixproof.rules/1",\n "rules": [{"name": "timeout", '
                                       b'"message": "(not set|missi' + b"+" * 60 + b'ng", '
                                       b'"category": "infrastructure", "cause": "timeout"}]}\n',
    "rules-invalid-utf8.json": b'{"schema": "fixproof.rules/1",\n "rules": [{"name": "bad-\xff\xfe-name", '
                               b'"category": "infrastructure", "cause": "connection"}]}\n',
}


def main():
    make_pytest_files()
    for name, data in HAND_MADE.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
