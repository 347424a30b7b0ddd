#!/usr/bin/python3
"""Writes samples/: the outputs of real pytest runs on the sample project.

usage: tests/make_samples.py [--check] [--jobs N]

The sample project (tests/sample_project/) is one small service, `shop`, in
several states: `before` the fix of "concurrent user sessions tests fail", and
several outcomes of it (see tests/sample_project/README.md). Each state
is base/ with the files of states/<overlay>/ copied over it, overlay after
overlay, minus the files the state removes.

For every state the script runs Debian's pytest (/usr/bin/python3 -m pytest) in
a temporary copy named `shop`, with a fixed environment (no SHOP_* variables, no
auto-loaded plugins, 80 columns, no bytecode, no cache), and writes
    samples/<state>/junit.xml           the run (xunit2, collection errors kept)
    samples/<state>/collect-only.txt    --collect-only
    samples/variants/<state>/...        the same run seen through other options
One directory under samples/ is one run: fixproof reads a directory as all its
files merged, so every other variant lives under samples/variants/.

Without options it rewrites samples/ fully. With --check it writes a fresh set
into a temporary directory and compares it with samples/: the same files, the
same tests with the same outcomes, the same collected items (not timings).
A few tests of the project are timed (a 0.1 s client timeout against a local
stub), so on a loaded machine a run can come out differently once: the runs
behind a difference are made again, one at a time, and only a difference that
every attempt shows is reported.
Exits 0 when they agree, 1 when they do not, 2 when pytest cannot run.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "tests" / "sample_project"
SAMPLES = ROOT / "samples"
PYTEST = ["/usr/bin/python3", "-m", "pytest"]

# The temporary copy's path is replaced by this one in every output, so the
# samples do not carry the generating machine's temporary directory names.
# That is the only change made to pytest's outputs.
SHOWN_ROOT = "/home/dev/shop"

# state: (overlays copied over base/ in this order, files the state removes)
STATES = {
    "before": ((), ()),
    "after": (("after",), ("tests/test_legacy.py",)),
    "resolved": (("after", "resolved"), ("tests/test_legacy.py",)),
    "skipped": (("skipped",), ()),
    "regressed": (("after", "resolved", "regressed"), ("tests/test_legacy.py",)),
    "flaky": (("after", "resolved", "flaky"), ("tests/test_legacy.py",)),
}

COMMON = ["-p", "no:cacheprovider", "-o", "console_output_style=classic"]
JUNIT = COMMON + ["--continue-on-collection-errors", "-o", "junit_family=xunit2"]
XUNIT1 = COMMON + ["--continue-on-collection-errors", "-o", "junit_family=xunit1"]
STOPPING = COMMON + ["-o", "junit_family=xunit2"]
COLLECT = COMMON + ["--collect-only"]

# pytest's exit codes for "tests failed", "interrupted" (a collection error)
# and "no tests collected": outputs worth keeping. Others mean it broke.
USABLE_EXITS = {0, 1, 2, 5}

TEST_FILE = re.compile(r"^tests/(.*/)?test_[^/]*\.py$")
# A collect-only tree line: indentation, node type, node name.
TREE_LINE = re.compile(r"^( *)<(\w+) (.*)>$")
TREE_ITEMS = {"Function", "TestCaseFunction"}
COLLECT_ERROR = re.compile(r"^_+ ERROR collecting (\S+) _+$")
# A -q line (a node id) or a -qq line (`path: count`).
ID_LINE = re.compile(r"^\S+\.py(::.+|: \d+)$")
# JUnit result elements, worst first, and the status each one means.
RESULT_TAGS = (("error", "error"), ("failure", "failed"), ("skipped", "skipped"))
SUMMARY = re.compile(r"^=* ?(.*?) in [0-9.]+s ?=*$")


@dataclass
class Run:
    """One pytest invocation and the sample file it writes."""
    output: str
    args: list
    junit: bool = True
    # For a rerun: the run whose failed tests are run again.
    rerun_of: str = None


@dataclass
class Job:
    """Runs made one after the other in one copy of a state."""
    state: str
    runs: list


def state_files(state):
    """Maps each file of `state` (a path relative to the project) to its source."""
    overlays, removed = STATES[state]
    files = {}
    for top in [PROJECT / "base"] + [PROJECT / "states" / o for o in overlays]:
        for src in sorted(top.rglob("*")):
            if src.is_file() and "__pycache__" not in src.parts:
                files[src.relative_to(top).as_posix()] = src
    for path in removed:
        del files[path]
    return files


def test_files(state):
    """The test modules of `state`, sorted: the files pytest collects."""
    return sorted(p for p in state_files(state) if TEST_FILE.search(p))


def jobs_for(state):
    """The pytest runs that make the samples of `state`."""
    files = test_files(state)
    half = (len(files) + 1) // 2
    var = f"variants/{state}"
    main = [Run(f"{state}/junit.xml", JUNIT)]
    if state == "flaky":
        # CI's usual second chance: run the failed tests again, into a file of their own.
        main.append(Run(f"{state}/junit-rerun.xml", JUNIT, rerun_of=f"{state}/junit.xml"))
    runs = [
        Run(f"{state}/collect-only.txt", COLLECT, junit=False),
        Run(f"{var}/junit-xunit1.xml", XUNIT1),
        Run(f"{var}/collect-q.txt", COLLECT + ["-q"], junit=False),
        Run(f"{var}/collect-qq.txt", COLLECT + ["-qq"], junit=False),
        Run(f"{var}/shards/shard-1.xml", JUNIT + files[:half]),
        Run(f"{var}/shards/shard-2.xml", JUNIT + files[half:]),
    ]
    if state == "before":
        runs.append(Run(f"{var}/junit-stop-at-collection-error.xml", STOPPING))
        runs.append(Run(f"{var}/collect-k.txt", COLLECT + ["-k", "not ledger and not route"],
                        junit=False))
    return [Job(state, main)] + [Job(state, [run]) for run in runs]


def pytest_env():
    """The environment of every run: nothing from the caller that changes results."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHOP_", "PYTEST_", "PYTHON", "PY_", "COV_"))}
    env.update({
        "PYTHONDONTWRITEBYTECODE": "1",
        # Installed plugins would differ between machines and change the header.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "COLUMNS": "80",
        "LC_ALL": "C.UTF-8",
        "PY_COLORS": "0",
    })
    return env


def node_id(classname, name, files):
    """The pytest node id of a JUnit testcase, given the run's test files.

    A collection error's testcase has no classname and the module as its name;
    its id is the module's path.
    """
    dotted = classname if classname else name
    for path in sorted(files, key=len, reverse=True):
        module = path[:-len(".py")].replace("/", ".")
        if dotted == module or dotted.startswith(module + "."):
            classes = [c for c in dotted[len(module) + 1:].split(".") if c]
            return "::".join([path] + classes + ([name] if classname else []))
    return f"{classname}::{name}"


def junit_outcomes(xml_text):
    """The set of (classname, name, status) of a JUnit document."""
    outcomes = set()
    for case in ET.fromstring(xml_text).iter("testcase"):
        tags = {child.tag for child in case}
        status = next((status for tag, status in RESULT_TAGS if tag in tags), "passed")
        outcomes.add((case.get("classname", ""), case.get("name", ""), status))
    return outcomes


def collected(text):
    """What a collect-only output lists, whatever its verbosity, as a set of strings.

    Node ids rebuilt from the tree (default) or read from -q lines, `path: N`
    lines (-qq), `ERROR path` for each collection error, and `SUMMARY ...` for
    the closing line without its timing.
    """
    items, stack = set(), []
    for line in text.splitlines():
        tree = TREE_LINE.match(line)
        if tree:
            depth = len(tree.group(1)) // 2
            del stack[depth:]
            stack.append(tree.group(3))
            if tree.group(2) in TREE_ITEMS:
                items.add("::".join(stack))
        elif COLLECT_ERROR.match(line):
            items.add("ERROR " + COLLECT_ERROR.match(line).group(1))
        elif ID_LINE.match(line):
            items.add(line)
        elif SUMMARY.match(line):
            items.add("SUMMARY " + SUMMARY.match(line).group(1))
    return items


def run_job(job, workdir, outdir, env):
    """Makes a copy of the job's state, runs its pytest runs, writes their outputs."""
    copy = Path(tempfile.mkdtemp(dir=workdir)) / "shop"
    for rel, src in state_files(job.state).items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, copy / rel)
    done = []
    for run in job.runs:
        args = list(run.args)
        if run.rerun_of:
            outcomes = junit_outcomes((outdir / run.rerun_of).read_text())
            files = test_files(job.state)
            args += sorted(node_id(classname, name, files)
                           for classname, name, status in outcomes
                           if status in ("failed", "error"))
        junit_path = copy.parent / "junit.xml"
        if run.junit:
            args.append(f"--junitxml={junit_path}")
        proc = subprocess.run(PYTEST + args, cwd=copy, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if proc.returncode not in USABLE_EXITS:
            raise RuntimeError(f"pytest {' '.join(args)} in state '{job.state}' "
                               f"exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        text = junit_path.read_text() if run.junit else proc.stdout
        out = outdir / run.output
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text.replace(str(copy), SHOWN_ROOT))
        done.append((run.output, proc.returncode))
    return done


def all_jobs():
    return [job for state in STATES for job in jobs_for(state)]


def generate(outdir, jobs_max, jobs=None):
    """Writes the samples of `jobs` (every one by default) into `outdir`;
    returns [(output, pytest exit code)]."""
    env = pytest_env()
    written = []
    with tempfile.TemporaryDirectory(prefix="fixproof-samples-") as tmp:
        workdir = Path(tmp).resolve()
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs_max) as pool:
            futures = [pool.submit(run_job, job, workdir, outdir, env)
                       for job in (all_jobs() if jobs is None else jobs)]
            for future in futures:
                written += future.result()
    return sorted(written)


def summary_of(path):
    """What --check compares: the outcomes of a JUnit file, or what a collect-only lists."""
    text = path.read_text()
    if path.suffix == ".xml":
        return junit_outcomes(text)
    return collected(text)


def compare(committed, fresh):
    """Lists the differences between two sample trees as (file, line for people);
    the file is None when one tree lacks it."""
    def listing(top):
        return {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}
    ours, theirs = listing(committed), listing(fresh)
    problems = [(None, f"only in {committed}: {p}") for p in sorted(ours - theirs)]
    problems += [(None, f"only in the fresh run: {p}") for p in sorted(theirs - ours)]
    for rel in sorted(ours & theirs):
        problems += compare_file(committed / rel, fresh / rel, rel)
    return problems


def compare_file(old_path, new_path, rel):
    old, new = summary_of(old_path), summary_of(new_path)
    return ([(rel, f"{rel}: committed only: {item}") for item in sorted(map(str, old - new))]
            + [(rel, f"{rel}: fresh only: {item}") for item in sorted(map(str, new - old))])


# Attempts after the first for the runs behind a difference.
RERUNS = 2


def check(fresh, jobs_max):
    """Compares `fresh` with samples/, running the jobs behind a difference again
    alone (see the module's comment); returns the lasting differences and the
    outputs that differed at first only."""
    problems = compare(SAMPLES, fresh)
    first = {rel for rel, _ in problems if rel}
    for attempt in range(RERUNS):
        differing = {rel for rel, _ in problems if rel}
        if not differing:
            break
        again = fresh.parent / f"again-{attempt}"
        generate(again, 1, [job for job in all_jobs()
                            if any(run.output in differing for run in job.runs)])
        problems = [p for p in problems if not p[0]]
        for rel in sorted(differing):
            problems += compare_file(SAMPLES / rel, again / rel, rel)
    lasting = {rel for rel, _ in problems if rel}
    return [line for _, line in problems], sorted(first - lasting)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh run with samples/ instead of rewriting it")
    # Twice the processors: a run spends part of its time waiting on sockets.
    parser.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1),
                        help="pytest runs at a time")
    opts = parser.parse_args(argv)
    if subprocess.run(PYTEST + ["--version"], capture_output=True).returncode != 0:
        print(f"make_samples: cannot run {' '.join(PYTEST)}; "
              "install Debian's python3-pytest", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fixproof-samples-out-") as tmp:
        fresh = Path(tmp) / "samples"
        written = generate(fresh, opts.jobs)
        if opts.check:
            problems, passing = check(fresh, opts.jobs)
            for line in problems:
                print(line)
            if passing:
                print(f"make_samples: differed in the first run only (load): {', '.join(passing)}")
            print(f"make_samples: {len(written)} outputs compared with {SAMPLES}: "
                  + (f"{len(problems)} differences" if problems else "the same"))
            return 1 if problems else 0
        if SAMPLES.exists():
            shutil.rmtree(SAMPLES)
        shutil.copytree(fresh, SAMPLES)
    for output, code in written:
        print(f"wrote samples/{output} (pytest exit {code})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
