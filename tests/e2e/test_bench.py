"""Smoke tests of the benchmark's pieces, so that neither rots: the
generator's --after and --shards modes, checked against an independent
count of the XML, and `bench.py --quick` end to end at a tiny size. The
timings themselves are never asserted (a shared machine makes them noise);
`make bench` is the real run."""
import json
import os
import subprocess
import sys

from lxml import etree
import pytest

from conftest import ROOT, binary, run, sanitized

pytestmark = pytest.mark.skipif(sanitized(), reason="times the benchmark script, not memory; "
                                "checked once in the plain e2e run")

GENERATOR = ROOT / "tests" / "gen_junit.py"
BENCH = ROOT / "tests" / "bench" / "bench.py"
TESTS = 2000


def generate(out, *args):
    subprocess.run([sys.executable, str(GENERATOR), "--tests", str(TESTS), "--seed", "3",
                    *args, "-o", str(out)], check=True)
    return out


def outcomes(paths):
    """key -> outcome of every testcase in `paths`, counted with lxml."""
    result = {}
    for path in paths:
        for case in etree.parse(str(path)).iter("testcase"):
            kinds = {child.tag for child in case}
            key = (case.get("classname") or "") + "::" + case.get("name")
            result[key] = ("error" if "error" in kinds else "failed" if "failure" in kinds
                           else "skipped" if "skipped" in kinds else "passed")
    return result


def test_after_and_shards_describe_the_same_tests(tmp_path):
    before = generate(tmp_path / "before.xml")
    after = generate(tmp_path / "after.xml", "--after")
    again = generate(tmp_path / "again.xml", "--after")
    shards = generate(tmp_path / "shards", "--after", "--shards", "4")
    assert after.read_bytes() == again.read_bytes()
    files = sorted(shards.iterdir())
    assert [f.name for f in files] == ["junit-000.xml", "junit-001.xml", "junit-002.xml",
                                       "junit-003.xml"]
    # The shards are the single file's testcases, in order, split in four.
    assert outcomes(files) == outcomes([after])
    assert list(outcomes(files)) == list(outcomes([after]))
    for f in files:
        suite = etree.parse(str(f)).find("testsuite")
        assert int(suite.get("tests")) == len(suite.findall("testcase"))

    was, now = outcomes([before]), outcomes([after])
    fixed = sum(1 for k, o in was.items() if o in ("failed", "error") and now.get(k) == "passed")
    regressed = sum(1 for k, o in was.items() if o == "passed" and now.get(k) in ("failed", "error"))
    removed = sum(1 for k in was if k not in now)
    new = sum(1 for k in now if k not in was)
    assert fixed > 50 and removed >= 0 and new > 0

    res = run("diff", "--before", before, "--after", after)
    assert res.returncode == 0, res
    diff = res.json()
    changes = diff["changes"]
    # The two modules that failed to collect before collect after: their
    # entries are fixed, not removed, and their tests newly collectable;
    # everything else joins by classname and name.
    assert changes["fixed"] == fixed + 2
    assert changes["regressed"] == regressed
    assert changes["removed"] == removed - 2
    assert changes["collectable"] + changes["new"] == new
    assert changes["collectable"] == 6
    assert diff["verdict"] == ("regressed" if regressed else "partially_resolved")

    # The same run in four shards gives the same model, input records aside.
    whole = run("parse", after).json()
    split = run("parse", shards).json()
    assert split["summary"] == whole["summary"]
    assert [dict(t, input=None) for t in split["tests"]] == \
        [dict(t, input=None) for t in whole["tests"]]
    assert [i["tests"] for i in split["inputs"]] == \
        [len(etree.parse(str(f)).findall(".//testcase")) for f in files]
    assert [i["path"] for i in split["inputs"]] == [str(f) for f in files]


def test_bench_quick_runs_and_writes_its_table(tmp_path):
    out = tmp_path / "bench"
    env = dict(os.environ, FIXPROOF=binary())
    cmd = [sys.executable, str(BENCH), "--quick", "--out", str(out)]
    first = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
    assert first.returncode == 0, first.stderr.decode()
    assert b"bench: generating 2000 tests" in first.stderr
    result = json.loads((out / "bench.json").read_text())
    assert result["schema"] == "fixproof.bench/1"
    assert result["sizes"] == [2000]
    assert [(r["layout"], r["command"]) for r in result["rows"]] == [
        ("file", "parse"), ("file", "diff"), ("file", "report"),
        ("4 shards", "parse"), ("4 shards", "diff"), ("4 shards", "report")]
    for r in result["rows"]:
        assert r["tests"] == 2000
        assert r["seconds"] > 0 and r["rss_mb"] > 0 and len(r["runs"]) == 1
        assert r["peer_seconds"] is None
        if r["floor_seconds"] is not None:
            assert abs(r["vs_floor"] - r["seconds"] / r["floor_seconds"]) < 1e-9
    assert result["growth"] == [] and result["targets"] == []
    table = first.stdout.decode()
    assert "tests     layout     command" in table
    assert table.count("\n2000      ") == 6

    # A second run reuses the generated inputs.
    stamp = (out / "data" / "2000" / "stamp.json").stat().st_mtime_ns
    second = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    assert b"bench: generating" not in second.stderr
    assert (out / "data" / "2000" / "stamp.json").stat().st_mtime_ns == stamp


def test_bench_baseline_times_a_second_binary_on_the_same_files(tmp_path):
    out = tmp_path / "bench"
    env = dict(os.environ, FIXPROOF=binary())
    # The same binary as its own baseline: the ratios are about 1 and must
    # be what the two medians say.
    res = subprocess.run([sys.executable, str(BENCH), "--sizes", "2000", "--shards", "4",
                          "--no-peer", "--repeat", "2", "--out", str(out),
                          "--baseline", binary()], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    result = json.loads((out / "bench.json").read_text())
    assert result["baseline"] == binary()
    for r in result["rows"]:
        assert len(r["runs"]) == 2 and len(r["baseline_runs"]) == 2
        assert r["baseline_seconds"] > 0
        assert abs(r["vs_baseline"] - r["seconds"] / r["baseline_seconds"]) < 1e-9
    table = res.stdout.decode()
    lines = [l for l in table.splitlines() if "ratio new/baseline" in l]
    assert [l.split()[1] for l in lines] == ["parse", "diff", "report"] * 2

    missing = subprocess.run([sys.executable, str(BENCH), "--quick", "--out", str(out),
                              "--baseline", str(tmp_path / "nope")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert missing.returncode == 2
    assert b"--baseline: no executable at" in missing.stderr
