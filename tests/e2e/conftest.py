"""Shared fixtures for the end-to-end tests: they run the real binary.

The binary is $FIXPROOF (the Makefile sets it: build/fixproof, or the
sanitizer build). Inputs come from samples/ (real pytest runs) and from
the shared folder outside the repository ($FIXPROOF_SHARED, else
../shared: JUnit files written by other tools in corpus/junit). A test
that needs it asks need_shared(): where it is absent the test fails when
CI is set, and is skipped with a loud SKIPPED line otherwise.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SHARED = pathlib.Path(os.environ.get("FIXPROOF_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "junit"
DATA = ROOT / "tests" / "data"


def binary():
    path = os.environ.get("FIXPROOF", str(ROOT / "build" / "fixproof"))
    if not os.path.exists(path):
        pytest.skip(f"no fixproof binary at {path}; run 'make' first")
    return path


class Result:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def out(self):
        return self.stdout.decode("utf-8")

    @property
    def err(self):
        return self.stderr.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return f"<exit {self.returncode}: {self.err.strip()[:500]}>"


def run(*args, stdin=None, env=None, timeout=120, cwd=None, **popen):
    """Runs fixproof with `args`; returns a Result (never raises on exit status).
    `stdin` is bytes to send or an open file; `popen` goes to subprocess.run
    (stdout=..., preexec_fn=...)."""
    full_env = dict(os.environ)
    full_env.pop("GITHUB_TOKEN", None)
    full_env.pop("GH_TOKEN", None)
    if env:
        full_env.update(env)
    feed = {"input": stdin} if stdin is None or isinstance(stdin, bytes) else {"stdin": stdin}
    proc = subprocess.run([binary(), *map(str, args)], **feed,
                          **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen},
                          env=full_env, timeout=timeout, cwd=cwd)
    res = Result(proc)
    # A sanitizer report means a memory error even when the exit code is 0.
    assert b"ERROR: AddressSanitizer" not in proc.stderr, res.err
    assert b"ERROR: LeakSanitizer" not in proc.stderr, res.err
    assert b"runtime error:" not in proc.stderr, res.err
    return res


def sanitized():
    return os.environ.get("FIXPROOF_SANITIZED") == "1"


@pytest.fixture
def fixproof():
    return run


# What need_shared skipped, for the summary at the end of the run.
_SHARED_SKIPS = []


def need_shared(*parts):
    """The path under the shared folder named by `parts`. When it is absent
    the calling test fails if CI is set (a CI run must not pass by testing
    less), and is otherwise skipped and listed in a SKIPPED block at the end
    of the run, so the skip cannot go unseen."""
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    why = f"{path} is absent (set FIXPROOF_SHARED to the shared folder)"
    if os.environ.get("CI"):
        pytest.fail(f"{why}, and CI is set")
    _SHARED_SKIPS.append(why)
    pytest.skip(why)


def pytest_terminal_summary(terminalreporter):
    for why in sorted(set(_SHARED_SKIPS)):
        n = _SHARED_SKIPS.count(why)
        terminalreporter.write_line(f"*** SKIPPED {n} test(s): {why} ***", red=True, bold=True)


@pytest.fixture
def corpus():
    return need_shared("corpus", "junit")


@pytest.fixture
def samples():
    if not (SAMPLES / "before").is_dir():
        pytest.skip("samples/ has not been generated (make samples)")
    return SAMPLES
