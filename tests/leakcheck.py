#!/usr/bin/env python3
"""Runs fixproof under valgrind on the samples and the shared corpus, for every
command and output format, and fails on any memory error or leak.

Usage: FIXPROOF=build/fixproof tests/leakcheck.py [--quick]
"""
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = pathlib.Path(os.environ.get("FIXPROOF_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "junit"
HOSTILE = ROOT / "tests" / "data" / "hostile"

VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible", "--errors-for-leak-kinds=definite,indirect,possible",
            "--track-fds=no"]


def cases(binary, tmp):
    """(name, argv, stdin) for every command path worth checking."""
    out = []
    if (SAMPLES / "before").is_dir():
        states = sorted(p.name for p in SAMPLES.iterdir()
                        if p.is_dir() and (p / "junit.xml").exists())
        for s in states:
            out.append((f"parse {s}", ["parse", SAMPLES / s], None))
        for s in states:
            if s == "before":
                continue
            out.append((f"diff before {s}", ["diff", "--before", SAMPLES / "before",
                                             "--after", SAMPLES / s], None))
        for fmt in ("markdown", "html", "json"):
            out.append((f"report {fmt}", ["report", "--before", SAMPLES / "before", "--after",
                                          SAMPLES / "after", "--format", fmt], None))
        for tmpl in ("pr-summary", "executive"):
            out.append((f"report {tmpl}", ["report", "--before", SAMPLES / "before", "--after",
                                           SAMPLES / "after", "--template", tmpl], None))
        out.append(("report --max-chars", ["report", "--before", SAMPLES / "before", "--after",
                                           SAMPLES / "after", "--max-chars", "3000"], None))
        out.append(("report -o", ["report", "--before", SAMPLES / "before", "--after",
                                  SAMPLES / "after", "-o", tmp / "r.md"], None))
        out.append(("parse --format ctrf", ["parse", "--format", "ctrf", SAMPLES / "flaky"], None))
        out.append(("annotate", ["annotate", "--before", SAMPLES / "before",
                                 "--after", SAMPLES / "regressed"], None))
        out.append(("report --annotate", ["report", "--before", SAMPLES / "before",
                                          "--after", SAMPLES / "regressed", "--annotate"], None))
        variants = SAMPLES / "variants"
        if variants.is_dir():
            for f in sorted(variants.rglob("*")):
                if f.is_file():
                    out.append((f"parse {f.relative_to(SAMPLES)}", ["parse", f], None))
        body = (SAMPLES / "before" / "junit.xml").read_bytes()[:2000]
        out.append(("parse stdin", ["parse", "-"], body))
    else:
        print("leakcheck: samples/ is absent; only the corpus and the command line are checked")
    if CORPUS.is_dir():
        for f in sorted(CORPUS.glob("*.xml")):
            out.append((f"parse corpus/{f.name}", ["parse", f], None))
    else:
        print(f"leakcheck: the shared corpus is absent ({CORPUS}); skipped")
    if HOSTILE.is_dir():
        for f in sorted(HOSTILE.iterdir()):
            if f.is_file():
                out.append((f"parse hostile/{f.name}", ["parse", f], None))
        hostile = ["--before", HOSTILE / "pytest-hostile-before.xml", HOSTILE / "newline-names.xml",
                   "--after", HOSTILE / "pytest-hostile-after.xml", HOSTILE / "pytest-hostile.collect.txt"]
        for fmt in ("markdown", "html"):
            out.append((f"report hostile {fmt}", ["report", *hostile, "--format", fmt], None))
        out.append(("report -o /dev/full", ["report", *hostile, "-o", "/dev/full"], None))
        out.append(("rules hostile", ["rules", "--rules", HOSTILE / "rules-stacked-quantifiers.json"],
                    None))
    ctrf = ROOT / "tests" / "data" / "ctrf" / "jest.json"
    if ctrf.is_file():
        out.append(("parse ctrf", ["parse", ctrf], None))
        out.append(("parse ctrf cut short", ["parse", "-"], ctrf.read_bytes()[:500]))
    out += [
        ("version", ["--version"], None),
        ("rules", ["rules"], None),
        ("help", ["--help"], None),
        ("parse --help", ["parse", "--help"], None),
        ("bad option", ["parse", "--nope"], None),
        ("missing file", ["parse", tmp / "missing.xml"], None),
        ("post --dry-run", ["post", "--dry-run", "--repo", "o/r", "--issue", "1",
                            "--marker", "leak", "-"], b"# report\n"),
        # capture runs a command other than pytest, then one it stops; report
        # reads both captures; prove fails on a revision before making anything.
        ("capture a command", ["capture", "-q", "-o", tmp / "cap1", "--junit", tmp / "none.xml",
                               "--", "sh", "-c", "echo said >&2"], None),
        ("capture cut short", ["capture", "-q", "-o", tmp / "cap2", "--timeout", "0.5", "--",
                               "sleep", "5"], None),
        ("report on captures", ["report", "--before", tmp / "cap1", "--after", tmp / "cap2"], None),
        ("prove --help", ["prove", "--help"], None),
        ("prove unknown revision", ["prove", "--base", "no-such-revision-here", "--", "true"],
         None),
    ]
    return out


def post_cases(fake):
    """`post` against the local fake of GitHub: create, an update found on
    page 2, a POST answered 502 after creating, rate limits, API errors."""
    repo = "octo/leak"
    fake.add_token("ghp_leakcheck", "leak-bot")
    fake.add_repo(repo, issues=(1, 2, 3))
    for i in range(150):
        fake.add_comment(repo, 2, "someone" if i != 120 else "leak-bot",
                         "<!-- fixproof:ci -->\nold" if i == 120 else f"comment {i}")
    base = ["post", "--repo", repo, "--marker", "ci", "--max-wait", "5"]
    yield "post create", base + ["--issue", "1", "-"], 0
    yield "post update on page 2", base + ["--issue", "2", "-"], 0
    fake.fail("POST", "/comments", status=502, after=True)
    yield "post 502 after creating", base + ["--issue", "3", "-"], 0
    fake.secondary_limit("POST", "/comments", retry_after=1)
    yield "post secondary rate limit", base + ["--issue", "3", "--mode", "create", "-"], 0
    yield "post 404", base + ["--issue", "99", "-"], 4


# Cases that read the files earlier cases wrote.
READS_EARLIER_OUTPUT = {"report on captures"}


def run_case(binary, name, argv, stdin, env, want=None):
    """Runs one case under valgrind; `want` is the exit status the case must have."""
    # valgrind cannot follow code that PCRE2's JIT compiler writes.
    proc = subprocess.run(VALGRIND + [binary] + [str(a) for a in argv], input=stdin,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env={**env, "FIXPROOF_PCRE2_JIT": "0"}, timeout=600)
    if proc.returncode == 99 or (want is not None and proc.returncode != want):
        print(f"leakcheck: FAIL {name} (exit {proc.returncode})\n"
              f"{proc.stderr.decode('utf-8', 'replace')}")
        return False
    return True


def main():
    binary = os.environ.get("FIXPROOF", str(ROOT / "build" / "fixproof"))
    if not shutil.which("valgrind"):
        print("leakcheck: valgrind is not installed", file=sys.stderr)
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        all_cases = cases(binary, tmp)
        env = {**os.environ, "GITHUB_TOKEN": ""}
        # valgrind is CPU-bound: the cases run on every core, except those
        # that read what an earlier case wrote, which run after them.
        first = [c for c in all_cases if c[0] not in READS_EARLIER_OUTPUT]
        then = [c for c in all_cases if c[0] in READS_EARLIER_OUTPUT]
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            clean = list(pool.map(lambda c: run_case(binary, *c, env), first))
        clean += [run_case(binary, *c, env) for c in then]
        failures += clean.count(False)
        total = len(all_cases)
        sys.path.insert(0, str(ROOT / "tests" / "e2e"))
        from fake_github import FakeGitHub
        fake = FakeGitHub()
        fake.start()
        try:
            env = {**os.environ, "GITHUB_TOKEN": "ghp_leakcheck", "GITHUB_API_URL": fake.url,
                   "FIXPROOF_RETRY_BASE_MS": "10"}
            for name, argv, want in post_cases(fake):
                total += 1
                failures += not run_case(binary, name, argv, b"# report\n", env, want)
        finally:
            fake.stop()
        print(f"leakcheck: {total - failures}/{total} runs clean under valgrind")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
