#!/usr/bin/python3
"""Writes tests/data/verdicts/: real pytest runs of the fixes the verdict rules must judge.

usage: tests/data/verdicts/make.py

Each project under projects/ is a small package with a pytest suite, in a
`base` state (before the fix) and overlay states (`fixed`, `progressed`)
copied over it, as tests/sample_project does for samples/. For every case
below the script runs Debian's pytest on a temporary copy of the state,
with the case's arguments, and writes what a CI job would keep:

    <project>/<run>/collect-only.txt   pytest --collect-only (stdout, or 2>&1)
    <project>/<run>/junit.xml          the run's JUnit XML, when pytest wrote one

The temporary copy's path is shown as /home/dev/<project>. tests/e2e/test_verdicts.py
states what each pair must give, and why.
"""
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from make_samples import PYTEST, pytest_env  # noqa: E402

COMMON = ["-p", "no:cacheprovider", "-o", "console_output_style=classic",
          "-o", "junit_family=xunit2"]
# pytest's default: stop before running anything when a module fails to collect.
STOPPING = COMMON
CONTINUING = COMMON + ["--continue-on-collection-errors"]


@dataclass
class Run:
    """One run of a project's state: a collect-only pass and a JUnit pass."""
    project: str
    name: str
    overlays: tuple = ()
    removed: tuple = ()
    args: list = field(default_factory=lambda: list(STOPPING))
    junit: bool = True          # run the tests too, not only collect them
    stderr: bool = False        # collect-only output captured with 2>&1
    collect: list = field(default_factory=lambda: ["--collect-only"])


RUNS = [
    # An import error in two modules stops pytest before any test runs; the
    # fix lets them collect, and the target then fails on an assertion
    # (progressed) or passes (fixed).
    Run("broken-module", "before"),
    Run("broken-module", "progressed", ("progressed",)),
    Run("broken-module", "fixed", ("fixed",)),
    # The same fix, but the run after kept only its collect-only output.
    Run("broken-module", "fixed-collect-only", ("fixed",), junit=False),
    # The import error hid a bug at the tier thresholds; the "fix" makes the
    # module import and deselects the threshold tests.
    Run("deselect", "before", args=list(CONTINUING), collect=["--collect-only", "-q"]),
    Run("deselect", "after", ("fixed",), args=CONTINUING + ["-k", "not threshold"],
        collect=["--collect-only", "-q"]),
    # pytest stops at a collection error, so test_cart.py's tests never run
    # before; the fix repairs test_orders.py and deletes one of them.
    Run("interrupted", "before"),
    Run("interrupted", "after", ("fixed",)),
    # conftest.py cannot import its settings: pytest exits 4 before
    # collecting, writing its error on stderr and no JUnit file at all.
    Run("never-started", "before"),
    Run("never-started", "before-stderr", stderr=True),
    # A CI job that passes pytest an option it does not know: usage error, exit 4.
    Run("never-started", "usage-error", ("fixed",), args=COMMON + ["--no-such-option"],
        stderr=True),
    Run("never-started", "after", ("fixed",)),
    # The fix repairs mean() and deletes a legacy test that passed; a test
    # parametrized with object reprs has ids that change between passes.
    Run("removed", "before", collect=["--collect-only", "-q"]),
    Run("removed", "after", ("fixed",), ("tests/test_legacy.py",),
        collect=["--collect-only", "-q"]),
]

# pytest's exit codes worth keeping: tests failed (1), interrupted (2),
# usage or internal error (4: the run never started), nothing collected (5).
USABLE_EXITS = {0, 1, 2, 4, 5}


def state_files(run):
    """Maps each file of the run's state (relative path) to its source."""
    top = HERE / "projects" / run.project
    files = {}
    for part in [top / "base"] + [top / o for o in run.overlays]:
        for src in sorted(part.rglob("*")):
            if src.is_file() and "__pycache__" not in src.parts:
                files[src.relative_to(part).as_posix()] = src
    for path in run.removed:
        del files[path]
    return files


def pytest(args, cwd, stderr):
    proc = subprocess.run(PYTEST + args, cwd=cwd, env=pytest_env(), text=True,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if stderr else subprocess.PIPE, timeout=120)
    if proc.returncode not in USABLE_EXITS:
        raise RuntimeError(f"pytest {' '.join(args)} in {cwd} exited {proc.returncode}:\n"
                           f"{proc.stdout}{proc.stderr or ''}")
    return proc


def make(run, workdir):
    copy = workdir / run.project
    shutil.rmtree(copy, ignore_errors=True)
    for rel, src in state_files(run).items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, copy / rel)
    out = HERE / run.project / run.name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shown = f"/home/dev/{run.project}"
    collect = pytest(run.args + run.collect, copy, run.stderr)
    (out / "collect-only.txt").write_text(collect.stdout.replace(str(copy), shown))
    codes = [collect.returncode]
    if run.junit:
        junit = workdir / "junit.xml"
        junit.unlink(missing_ok=True)
        codes.append(pytest(run.args + [f"--junitxml={junit}"], copy, run.stderr).returncode)
        if junit.exists():
            (out / "junit.xml").write_text(junit.read_text().replace(str(copy), shown))
    return codes


def main():
    if subprocess.run(PYTEST + ["--version"], capture_output=True).returncode != 0:
        print("make.py: install Debian's python3-pytest", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fixproof-verdicts-") as tmp:
        for run in RUNS:
            codes = make(run, Path(tmp).resolve())
            print(f"wrote {run.project}/{run.name} (pytest exits {codes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
