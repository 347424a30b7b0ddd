"""`fixproof capture`: real pytest runs and real commands in a git repository
built under a temporary directory, then `report` reading the captures back
(issue 16). Every test checks that nothing it started is left running."""
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from conftest import binary, run

PYTHON = "/usr/bin/python3"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout.strip()


def make_repo(root, files):
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    commit(root, files, "first")
    return root


def commit(root, files, message):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.stat().st_mtime_ns if path.exists() else None
        path.write_text(text)
        # Python's bytecode cache keys a module on its source's size and
        # mtime in whole seconds: a fix of the same size written within the
        # second would run the stale bytecode of the bug (as it did in a
        # fresh container). An engineer's edit comes seconds later; so do ours.
        if before is not None and path.stat().st_mtime_ns // 10**9 <= before // 10**9:
            later = (before // 10**9 + 1) * 10**9
            os.utime(path, ns=(later, later))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


BUGGY = {
    "calc/__init__.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n"
                          "def test_add():\n    assert add(2, 3) == 5\n\n"
                          "def test_zero():\n    assert add(0, 0) == 0\n",
}
FIXED = {"calc/__init__.py": "def add(a, b):\n    return a + b\n"}


def processes_with(marker):
    """Pids of live `sleep MARKER` processes."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline.split(b"\0")[:2] == [b"sleep", marker.encode()] and state != "Z":
            found.append(int(entry.name))
    return found


def interrupt_when_running(proc, marker, count, wait):
    """Sends Ctrl-C to `proc` once `count` `sleep MARKER` processes run
    (waiting up to `wait` s); returns its standard error. Kills it if it
    has not ended after that."""
    try:
        deadline = time.monotonic() + wait
        while len(processes_with(marker)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes_with(marker)) == count
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=wait + 10)[1]
    finally:
        if proc.poll() is None:
            proc.kill()


def provenance(capture_dir):
    return json.loads((pathlib.Path(capture_dir) / "provenance.json").read_text())


def captured(res):
    assert res.returncode == 0, res
    return pathlib.Path(res.out.strip())


def test_capture_pytest_records_results_output_and_provenance(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    res = run("capture", "--label", "before", "--", PYTHON, "-m", "pytest", "-p", "no:randomly",
              cwd=repo)
    out = captured(res)
    assert out == repo / ".fixproof" / "runs" / "before"
    assert sorted(p.name for p in out.iterdir()) == \
        ["collect-only.txt", "junit.xml", "provenance.json", "run.log"]
    collect = (out / "collect-only.txt").read_text()
    assert "tests/test_calc.py::test_add" in collect
    assert "--junitxml" not in collect
    assert "1 failed, 1 passed" in (out / "run.log").read_text()
    assert 'name="test_add"' in (out / "junit.xml").read_text()
    p = provenance(out)
    assert p["schema"] == "fixproof.provenance/1"
    assert p["argv"] == [PYTHON, "-m", "pytest", "-p", "no:randomly"]
    assert p["runner"] == "pytest"
    assert p["cwd"] == "."
    assert p["exit_status"] == 1 and p["signal"] is None and p["cut_short"] is None
    assert p["git"]["commit"] == git(repo, "rev-parse", "HEAD")
    assert p["git"]["branch"] == "main"
    assert p["git"]["dirty"] is False and p["git"]["dirty_paths"] == []
    version = subprocess.run([PYTHON, "-c", "import platform, pytest; "
                              "print(platform.python_version(), pytest.__version__)"],
                             stdout=subprocess.PIPE, text=True, check=True).stdout.split()
    assert [p["python_version"], p["pytest_version"]] == version
    assert p["hostname"] == socket.gethostname()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["start"])
    assert p["start"] <= p["end"] and p["duration"] > 0
    assert p["results"] == ["junit.xml", "collect-only.txt"]
    # The test command's output is shown as it runs; the directory is printed.
    assert "1 failed, 1 passed" in res.err


def test_capture_records_a_dirty_tree_a_subdirectory_and_github_actions(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    (repo / "calc" / "__init__.py").write_text(FIXED["calc/__init__.py"])
    (repo / "notes.txt").write_text("untracked\n")
    env = {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "o/calc",
           "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_SHA": "f" * 40,
           "GITHUB_REF": "refs/pull/9/merge", "PYTHONPATH": str(repo)}
    out = captured(run("capture", "-q", "-o", tmp_path / "cap", "--", PYTHON, "-m", "pytest",
                       "../tests", env=env, cwd=repo / "calc"))
    p = provenance(out)
    assert p["cwd"] == "calc"
    assert p["exit_status"] == 0
    assert p["git"]["dirty"] is True
    assert p["git"]["dirty_paths"] == ["calc/__init__.py", "notes.txt"]
    assert p["git"]["repository_url"] == "https://github.example/o/calc"
    assert p["github_actions"] == {"run_url": "https://github.example/o/calc/actions/runs/77",
                                   "run_attempt": "2", "sha": "f" * 40,
                                   "ref": "refs/pull/9/merge"}


def test_report_reads_the_two_newest_captures(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    base = git(repo, "rev-parse", "HEAD")
    captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    head = commit(repo, FIXED, "fix add")
    captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    res = run("report", cwd=repo)
    assert res.returncode == 0, res
    assert "Proof of resolution: Resolved" in res.out
    section = res.out.split("### How this was run", 1)[1]
    assert f"`{base[:7]}` on `main`" in section and f"`{head[:7]}` on `main`" in section
    assert "| Ended | exit status 1 | exit status 0 |" in section
    assert "pytest " in section
    diff = run("diff", cwd=repo).json()
    assert diff["provenance"]["before"]["git"]["commit"] == base
    assert diff["provenance"]["after"]["git"]["commit"] == head
    # Named explicitly, a capture directory reads the same.
    runs = sorted((repo / ".fixproof" / "runs").iterdir())
    named = run("diff", "--before", runs[0], "--after", runs[1], cwd=repo).json()
    assert named["verdict"] == "resolved"


def test_report_without_inputs_needs_two_captures(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    res = run("report", cwd=repo)
    assert res.returncode == 2
    assert "no --before and --after, and no captures in" in res.err
    captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    res = run("report", cwd=repo)
    assert res.returncode == 2
    assert "only one of two captures" in res.err


def test_capture_of_another_runner_takes_its_new_junit_files(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    results = repo / "out"
    results.mkdir()
    stale = results / "old.xml"
    stale.write_text('<testsuite name="old"><testcase classname="old" name="t"/></testsuite>')
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    (repo / "runner.sh").write_text(
        "#!/bin/sh\n"
        "echo running >&2\n"
        "cat > out/suite.xml <<'EOF'\n"
        '<testsuite name="s" tests="2"><testcase classname="calc" name="test_one"/>'
        '<testcase classname="calc" name="test_two"><failure message="boom">x</failure>'
        "</testcase></testsuite>\nEOF\n"
        "exit 3\n")
    res = run("capture", "-q", "--junit", "out/*.xml", "--", "sh", "runner.sh", cwd=repo)
    out = captured(res)
    p = provenance(out)
    assert p["runner"] == "command" and p["exit_status"] == 3
    assert p["results"] == ["junit/1-suite.xml"]
    assert (out / "junit" / "1-suite.xml").read_text().startswith("<testsuite")
    assert "running" in (out / "run.log").read_text()
    parsed = run("diff", "--before", out, "--after", out).json()
    assert parsed["before"]["summary"]["tests"] == 2


def test_capture_of_a_runner_that_wrote_nothing_says_it_never_started(tmp_path):
    repo = make_repo(tmp_path / "repo", BUGGY)
    res = run("capture", "-q", "--label", "broken", "--junit", "out", "--", "sh", "-c",
              "echo 'runner: cannot load its config' >&2; exit 2", cwd=repo)
    out = captured(res)
    assert "wrote no results: the run never started" in res.err
    p = provenance(out)
    assert p["results"] == [] and p["exit_status"] == 2
    assert "runner: cannot load its config" in p["stderr_tail"]
    good = captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    rep = run("report", "--before", out, "--after", good, cwd=repo)
    assert rep.returncode == 0, rep
    assert "The run before the fix never started: it wrote no results" in rep.out
    assert "none: the command wrote no results, so the run never started" in rep.out
    assert "runner: cannot load its config" in rep.out


def test_capture_of_pytest_that_cannot_start(tmp_path):
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **{"conftest.py": "import not_installed\n"}))
    out = captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    p = provenance(out)
    assert p["results"] == ["collect-only.txt"]  # pytest wrote no junit.xml
    assert p["exit_status"] == 4
    assert "ImportError while loading conftest" in (out / "collect-only.txt").read_text()
    commit(repo, dict(FIXED, **{"conftest.py": ""}), "fix conftest")
    good = captured(run("capture", "-q", "--", PYTHON, "-m", "pytest", cwd=repo))
    rep = run("report", "--before", out, "--after", good, cwd=repo)
    assert "Inconclusive" in rep.out
    assert "The run before the fix never started" in rep.out
    assert "not_installed" in rep.out


def test_capture_timeout_stops_the_whole_process_group(tmp_path):
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.5"
    # The children ignore SIGTERM: only the SIGKILL that follows stops them.
    script = f"trap '' TERM; sleep {marker} & sleep {marker} & wait"
    start = time.monotonic()
    res = run("capture", "-q", "-o", tmp_path / "cap", "--timeout", "1", "--junit", "x.xml",
              "--", "sh", "-c", script, cwd=tmp_path)
    took = time.monotonic() - start
    out = captured(res)
    assert "stopped after the 1 s timeout" in res.err
    p = provenance(out)
    assert p["cut_short"] == "timeout" and p["timeout"] == 1
    assert p["exit_status"] is None
    assert took < 30
    assert processes_with(marker) == []


def test_capture_timeout_covers_a_conftest_that_hangs(tmp_path):
    # pytest loads conftest.py before anything else; fixproof's own version
    # probe must not, or the run would wait for it with no timeout at all.
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.75"
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **{
        "conftest.py": f"import subprocess\nsubprocess.run(['sleep', '{marker}'])\n"}))
    start = time.monotonic()
    res = run("capture", "-q", "-o", tmp_path / "cap", "--timeout", "2", "--",
              PYTHON, "-m", "pytest", cwd=repo)
    took = time.monotonic() - start
    p = provenance(captured(res))
    assert p["cut_short"] == "timeout"
    assert took < 60, took  # the 2 s of the collect-only pass, not 1000 s and more
    version = subprocess.run([PYTHON, "-c", "import pytest; print(pytest.__version__)"],
                             stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    assert p["pytest_version"] == version
    assert processes_with(marker) == []


def test_a_run_cut_short_by_its_timeout_is_never_evidence(tmp_path):
    slow = {"calc/__init__.py": "import time\n\n\ndef add(a, b):\n    time.sleep(60)\n"
                                "    return a - b\n"}
    repo = make_repo(tmp_path / "repo", dict(BUGGY, **slow))
    captured(run("capture", "-q", "--timeout", "3", "--label", "base", "--",
                 PYTHON, "-m", "pytest", cwd=repo))
    commit(repo, FIXED, "fix add")
    captured(run("capture", "-q", "--label", "fix", "--", PYTHON, "-m", "pytest", cwd=repo))
    res = run("diff", "--before", repo / ".fixproof/runs/base",
              "--after", repo / ".fixproof/runs/fix", cwd=repo)
    doc = res.json()
    # Not "nothing failed before": the run before was stopped, and says so first.
    assert doc["verdict"] == "inconclusive"
    assert doc["reasons"][0] == ("The run before was stopped after its 3 s timeout: its results "
                                 "are cut short and cannot show what the fix changed")
    assert not any(r.startswith("No test failed before") for r in doc["reasons"])


def test_capture_ctrl_c_stops_everything_and_records_it(tmp_path):
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.25"
    proc = subprocess.Popen([binary(), "capture", "-q", "-o", str(tmp_path / "cap"), "--junit",
                             "x.xml", "--", "sh", "-c", f"sleep {marker} & sleep {marker}; wait"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = interrupt_when_running(proc, marker, 2, 20)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert provenance(tmp_path / "cap")["cut_short"] == "interrupted"
    assert processes_with(marker) == []


def test_capture_usage(tmp_path):
    res = run("capture", "--help")
    assert res.returncode == 0
    for option in ("-o, --output DIR", "--label NAME", "--junit PATH", "--timeout S", "-- COMMAND"):
        assert option in res.out
    assert run("capture").returncode == 2
    res = run("capture", "--timeout", "soon", "--", "true")
    assert res.returncode == 2 and "--timeout takes a positive number of seconds" in res.err
    res = run("capture", "--junit", "x.xml", "--", PYTHON, "-m", "pytest", cwd=tmp_path)
    assert res.returncode == 2 and "--junit is for other runners" in res.err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    res = run("capture", "-o", tmp_path / "full", "--", "true")
    assert res.returncode == 2 and "is not empty" in res.err
    # A command that does not exist is recorded: it wrote nothing.
    out = captured(run("capture", "-q", "-o", tmp_path / "nx", "--junit", "x.xml", "--",
                       "no-such-command-here", cwd=tmp_path))
    p = provenance(out)
    assert p["exit_status"] == 127 and "not found" in p["stderr_tail"]
