#!/usr/bin/python3
"""fixproof's benchmark: parse, diff and report on generated JUnit pairs,
next to the XML parsing floor and a peer, measured in one run.

For each size (10,000, 100,000 and 1,000,000 testcases by default) it
generates, with tests/gen_junit.py and a fixed seed, a before/after pair
as one file per side and as the same tests split over --shards files per
side. The files are cached under OUT/data and reused while the generator
and its arguments are unchanged. Then, on the same files, it measures:

  fixproof parse   the before side (the whole run model as JSON)
  fixproof diff    the pair (every test of both sides as JSON)
  fixproof report  the pair (parse both, classify, diff, render Markdown)
  floor            xmllint --stream --noout: libxml2's own streaming walk
                   of the same input (for a pair, both sides)
  peer             python3-junitparser reading the same input

Each command runs --repeat times; the table shows the median wall time
and the median peak RSS (from wait4 for that child alone), outputs going
to a null device. Ratios are to the floor and to the peer of the same
input. It checks that cost grows linearly with the number of tests and,
for sizes of a million tests or more, the targets of issue 7: report
within 2x the floor of the pair and under 300 MB, parse within 2x the
floor of its file. The table is printed and written to OUT/bench.json.

With --baseline PATH, every fixproof command is also run with the binary at
PATH (another build, say of main) on the same files, each repeat running the
two one after the other in alternating order so that the machine's load
falls on both alike; each row then has the baseline's median time and the
ratio new/baseline, and the report prints those ratios per command.

    bench.py --out build/bench [--sizes 10000,100000] [--repeat 3] [--quick]
             [--baseline OTHER/build/fixproof]
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GENERATOR = os.path.join(ROOT, "tests", "gen_junit.py")
PEER = os.path.join(HERE, "peer_junitparser.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

TARGET_RATIO = 2.0            # fixproof time / floor time (issue 7)
TARGET_RSS_MB = 300           # peak RSS of `report` on the 1M pair
TARGET_SIZE = 1000000         # targets apply from this size on
LINEAR_SLACK = 1.25           # growth up to 1.25x the size ratio is linear


# ---- output sink ----

class Sink:
    """Where measured commands write: a real null device. In a sandbox
    whose /dev/null is a plain file, writing there costs a copy per byte,
    so a null character device is made in OUT when possible; else a pipe
    whose reader drops everything (a copy, as when output is piped)."""

    def __init__(self, out_dir):
        self.kind = None
        self.path = None
        self.rss_file = os.path.join(out_dir, "rss.txt")
        if stat.S_ISCHR(os.stat(os.devnull).st_mode):
            self.path, self.kind = os.devnull, "/dev/null"
            return
        mine = os.path.join(out_dir, "null")
        try:
            if not (os.path.exists(mine) and stat.S_ISCHR(os.stat(mine).st_mode)):
                if os.path.lexists(mine):
                    os.unlink(mine)
                os.mknod(mine, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            self.path, self.kind = mine, "null device in the output directory"
        except OSError:
            self.kind = "pipe drained by the benchmark (/dev/null is not a device here)"

    def open(self):
        """Returns (file object or fd for the child's stdout, cleanup)."""
        if self.path:
            f = open(self.path, "wb")
            return f, f.close
        r, w = os.pipe()

        def drain():
            while os.read(r, 1 << 20):
                pass
            os.close(r)

        t = threading.Thread(target=drain, daemon=True)
        t.start()

        def done():
            os.close(w)
            t.join()
        return w, done


# ---- measuring ----

TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(cmd, sink, rss_file, timeout=None):
    """Runs `cmd` once; returns (wall seconds, peak RSS in MB, CPU seconds,
    exit status, timed out, stderr). stdout goes to the sink.

    The peak RSS comes from /usr/bin/time, which forks the command from a
    small process: a child forked from this Python starts with Python's
    own resident pages counted (some 17 MB), which wait4 would report for
    small runs. Without /usr/bin/time, wait4 it is."""
    out, done = sink.open()
    full = [TIME, "-f", "%M %U %S", "-o", rss_file] + cmd if TIME else cmd
    start = time.perf_counter()
    # A session of its own, so a timeout stops the command and its child.
    proc = subprocess.Popen(full, stdout=out, stderr=subprocess.PIPE, start_new_session=True)
    timer = None
    timed_out = []
    if timeout:
        def kill():
            timed_out.append(True)
            os.killpg(proc.pid, signal.SIGKILL)
        timer = threading.Timer(timeout, kill)
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timer:
        timer.cancel()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    done()
    rss = usage.ru_maxrss / 1024.0
    cpu = usage.ru_utime + usage.ru_stime
    if TIME and not timed_out:
        with open(rss_file) as f:
            words = f.read().split()
        # time writes "Command exited with non-zero status N" first then.
        rss = int(words[-3]) / 1024.0
        cpu = float(words[-2]) + float(words[-1])
    return wall, rss, cpu, proc.returncode, bool(timed_out), err


def measure_cell(name, cmd, sink, repeat, timeout=None, ok_status=(0, 1)):
    """Median of `repeat` runs of `cmd`."""
    walls, rss, cpus = [], [], []
    for _ in range(repeat):
        wall, mb, cpu, status, timed_out, err = measure(cmd, sink, sink.rss_file, timeout)
        if timed_out:
            return {"name": name, "cmd": cmd, "timed_out": True, "timeout": timeout,
                    "seconds": None, "rss_mb": None, "cpu_seconds": None, "runs": walls}
        if status not in ok_status:
            raise SystemExit("bench: %s failed with status %d: %s\n%s"
                             % (name, status, " ".join(cmd), err.strip()[-2000:]))
        walls.append(wall)
        rss.append(mb)
        cpus.append(cpu)
    return {"name": name, "cmd": cmd, "seconds": statistics.median(walls),
            "rss_mb": statistics.median(rss), "cpu_seconds": statistics.median(cpus),
            "runs": walls}


def measure_pair(name, cmd, base_cmd, sink, repeat):
    """Medians of `cmd` and `base_cmd`, run `repeat` times each, one after
    the other, the order alternating from one repeat to the next."""
    runs = {0: [], 1: []}
    for i in range(repeat):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            c = cmd if which == 0 else base_cmd
            wall, mb, cpu, status, _, err = measure(c, sink, sink.rss_file)
            if status not in (0, 1):
                raise SystemExit("bench: %s failed with status %d: %s\n%s"
                                 % (name, status, " ".join(c), err.strip()[-2000:]))
            runs[which].append((wall, mb, cpu))
    cells = []
    for which, c in ((0, cmd), (1, base_cmd)):
        walls = [r[0] for r in runs[which]]
        cells.append({"name": name, "cmd": c, "seconds": statistics.median(walls),
                      "rss_mb": statistics.median(r[1] for r in runs[which]),
                      "cpu_seconds": statistics.median(r[2] for r in runs[which]),
                      "runs": walls})
    return cells


# ---- inputs ----

def generator_digest():
    with open(GENERATOR, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def generate(data_dir, n, shards, seed):
    """The pair for `n` tests, generated once and reused: returns a dict
    of paths (before, after, before_shards, after_shards)."""
    d = os.path.join(data_dir, str(n))
    paths = {
        "before": os.path.join(d, "before.xml"),
        "after": os.path.join(d, "after.xml"),
        "before_shards": os.path.join(d, "before-%d" % shards),
        "after_shards": os.path.join(d, "after-%d" % shards),
    }
    stamp = os.path.join(d, "stamp.json")
    want = {"generator": generator_digest(), "tests": n, "seed": seed, "shards": shards}
    try:
        with open(stamp) as f:
            if json.load(f) == want and all(os.path.exists(p) for p in paths.values()):
                return paths
    except (OSError, ValueError):
        pass
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    base = [PYTHON, GENERATOR, "--tests", str(n), "--seed", str(seed)]
    print("bench: generating %d tests (seed %d) in %s" % (n, seed, d), file=sys.stderr)
    jobs = [
        base + ["-o", paths["before"]],
        base + ["--after", "-o", paths["after"]],
        base + ["--shards", str(shards), "-o", paths["before_shards"]],
        base + ["--after", "--shards", str(shards), "-o", paths["after_shards"]],
    ]
    procs = [subprocess.Popen(j) for j in jobs]
    for p, j in zip(procs, jobs):
        if p.wait() != 0:
            raise SystemExit("bench: the generator failed: " + " ".join(j))
    with open(stamp, "w") as f:
        json.dump(want, f)
    return paths


def shard_files(d):
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".xml")]


def total_bytes(paths):
    return sum(os.path.getsize(p) for p in paths)


# ---- one size ----

def bench_layout(n, layout, before, after, fixproof, sink, args):
    """Rows for one input layout ("file" or "N shards") of size n."""
    xmllint = shutil.which("xmllint")
    before_files = shard_files(before) if os.path.isdir(before) else [before]
    after_files = shard_files(after) if os.path.isdir(after) else [after]
    pair = ["--before", before, "--after", after]
    cells = {
        "parse": ([fixproof, "parse", before], before_files, [before]),
        "diff": ([fixproof, "diff"] + pair, before_files + after_files, [before, after]),
        "report": ([fixproof, "report"] + pair, before_files + after_files, [before, after]),
    }
    floors, peers, rows = {}, {}, []
    for cmd_name, (cmd, files, peer_args) in cells.items():
        key = "pair" if cmd_name != "parse" else "one"
        if key not in floors:
            floors[key] = (measure_cell("xmllint --stream --noout",
                                        [xmllint, "--stream", "--noout"] + files,
                                        sink, args.repeat) if xmllint else None)
            peers[key] = (measure_cell("junitparser", [PYTHON, PEER] + peer_args, sink,
                                       args.peer_repeat, timeout=args.peer_timeout)
                          if args.peer else None)
        if args.baseline:
            mine, base = measure_pair("fixproof " + cmd_name, cmd,
                                      [args.baseline] + cmd[1:], sink, args.repeat)
        else:
            mine, base = measure_cell("fixproof " + cmd_name, cmd, sink, args.repeat), None
        floor, peer = floors[key], peers[key]
        row = {
            "tests": n, "layout": layout, "command": cmd_name,
            "input_bytes": total_bytes(files),
            "seconds": mine["seconds"], "rss_mb": mine["rss_mb"],
            "cpu_seconds": mine["cpu_seconds"], "runs": mine["runs"],
            "floor_seconds": floor and floor["seconds"],
            "floor_cpu_seconds": floor and floor["cpu_seconds"],
            "floor_rss_mb": floor and floor["rss_mb"],
            "peer_seconds": peer and peer["seconds"],
            "peer_rss_mb": peer and peer["rss_mb"],
            "peer_timed_out": bool(peer and peer.get("timed_out")),
            "baseline_seconds": base and base["seconds"],
            "baseline_cpu_seconds": base and base["cpu_seconds"],
            "baseline_rss_mb": base and base["rss_mb"],
            "baseline_runs": base and base["runs"],
        }
        row["vs_baseline"] = (row["seconds"] / row["baseline_seconds"]
                              if row["baseline_seconds"] else None)
        row["vs_floor"] = (row["seconds"] / row["floor_seconds"]
                           if row["floor_seconds"] else None)
        row["vs_peer"] = (row["seconds"] / row["peer_seconds"]
                          if row["peer_seconds"] else None)
        rows.append(row)
        print(format_row(row), file=sys.stderr)
        if base:
            print(format_baseline(row), file=sys.stderr)
    return rows


# ---- checks ----

def growth(rows):
    """For each (layout, command), the time ratio between consecutive
    sizes against the size ratio."""
    out = []
    groups = {}
    for r in rows:
        groups.setdefault((r["layout"].split()[-1], r["command"]), []).append(r)
    for (layout, cmd), rs in sorted(groups.items()):
        rs.sort(key=lambda r: r["tests"])
        for a, b in zip(rs, rs[1:]):
            size_ratio = b["tests"] / a["tests"]
            time_ratio = b["seconds"] / a["seconds"]
            out.append({"command": cmd, "layout": layout, "from": a["tests"], "to": b["tests"],
                        "size_ratio": size_ratio, "time_ratio": time_ratio,
                        "rss_ratio": b["rss_mb"] / a["rss_mb"],
                        "linear": time_ratio <= size_ratio * LINEAR_SLACK})
    return out


def cpu_ratio(r):
    """CPU time against the floor's: what wall time would show with no
    second core free (fixproof uses one when it can; xmllint never)."""
    if not r["floor_cpu_seconds"]:
        return None
    return r["cpu_seconds"] / r["floor_cpu_seconds"]


def targets(rows):
    """Issue 7's targets, on every row of TARGET_SIZE tests or more."""
    out = []
    for r in rows:
        if r["tests"] < TARGET_SIZE or r["floor_seconds"] is None:
            continue
        if r["command"] == "report":
            out.append({"what": "report %d %s: time within %.0fx the floor" % (
                r["tests"], r["layout"], TARGET_RATIO),
                "value": r["vs_floor"], "limit": TARGET_RATIO, "cpu_ratio": cpu_ratio(r),
                "met": r["vs_floor"] <= TARGET_RATIO})
            out.append({"what": "report %d %s: peak RSS under %d MB" % (
                r["tests"], r["layout"], TARGET_RSS_MB),
                "value": r["rss_mb"], "limit": TARGET_RSS_MB,
                "met": r["rss_mb"] < TARGET_RSS_MB})
        elif r["command"] == "parse":
            out.append({"what": "parse %d %s: time within %.0fx the floor" % (
                r["tests"], r["layout"], TARGET_RATIO),
                "value": r["vs_floor"], "limit": TARGET_RATIO, "cpu_ratio": cpu_ratio(r),
                "met": r["vs_floor"] <= TARGET_RATIO})
    return out


# ---- printing ----

HEADER = ("%-9s %-10s %-7s %8s %6s %8s  %8s %7s %6s  %8s %8s %6s" % (
    "tests", "layout", "command", "time s", "cpu s", "RSS MB", "floor s", "floorMB", "x flr",
    "peer s", "peer MB", "x peer"))


def fmt(v, spec, none="-"):
    return spec % v if v is not None else none


def format_row(r):
    peer = "timeout" if r["peer_timed_out"] else fmt(r["peer_seconds"], "%.3f")
    return "%-9d %-10s %-7s %8.3f %6.2f %8.1f  %8s %7s %6s  %8s %8s %6s" % (
        r["tests"], r["layout"], r["command"], r["seconds"], r["cpu_seconds"], r["rss_mb"],
        fmt(r["floor_seconds"], "%.3f"), fmt(r["floor_rss_mb"], "%.1f"),
        fmt(r["vs_floor"], "%.2f"), peer, fmt(r["peer_rss_mb"], "%.1f"),
        fmt(r["vs_peer"], "%.3f"))


def format_baseline(r):
    return ("baseline %-7s %8d %-10s %8.3f s new, %8.3f s baseline: ratio new/baseline %.3f"
            " (CPU %.3f)" % (r["command"], r["tests"], r["layout"], r["seconds"],
                             r["baseline_seconds"], r["vs_baseline"],
                             r["cpu_seconds"] / r["baseline_cpu_seconds"]
                             if r["baseline_cpu_seconds"] else float("nan")))


def print_report(result, f):
    env = result["environment"]
    print("fixproof benchmark: median of %d runs; peak RSS per process; floor = "
          "xmllint --stream --noout on the same input; peer = python3-junitparser"
          % result["repeat"], file=f)
    print("output to: %s; %s CPUs; load average %s at the start, %s at the end (other work "
          "on the machine slows every column)" % (
              result["sink"], env["cpus"], env["load_start"], env["load_end"]), file=f)
    print(HEADER, file=f)
    for r in result["rows"]:
        print(format_row(r), file=f)
    print("", file=f)
    for g in result["growth"]:
        print("growth %-7s %-6s %8d -> %8d tests: %5.1fx time, %5.1fx RSS for %.0fx tests: %s"
              % (g["command"], g["layout"], g["from"], g["to"], g["time_ratio"], g["rss_ratio"],
                 g["size_ratio"], "linear" if g["linear"] else "NOT LINEAR"), file=f)
    if result.get("baseline"):
        print("", file=f)
        print("baseline: %s (%s)" % (result["baseline"], result["environment"]["baseline"]),
              file=f)
        for r in result["rows"]:
            print(format_baseline(r), file=f)
    for t in result["targets"]:
        cpu = "" if t.get("cpu_ratio") is None else " (CPU time %.2fx)" % t["cpu_ratio"]
        print("target %-52s %8.2f (limit %g): %s%s" % (t["what"], t["value"], t["limit"],
                                                      "met" if t["met"] else "NOT MET", cpu),
              file=f)


def load_average():
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "unknown"


def environment(fixproof, sink):
    def version(cmd):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            return p.stdout.decode("utf-8", "replace").strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return None
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "platform": platform.platform(),
            "fixproof": version([fixproof, "--version"]),
            "xmllint": version(["xmllint", "--version"]) if shutil.which("xmllint") else None,
            "python": sys.version.split()[0], "sink": sink.kind}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench"),
                   help="directory for bench.json and the cached inputs (data/)")
    p.add_argument("--sizes", default="10000,100000,1000000",
                   help="comma-separated test counts")
    p.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    p.add_argument("--shards", type=int, default=64, help="files per side in the sharded layout")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-peer", dest="peer", action="store_false",
                   help="do not run python3-junitparser")
    p.add_argument("--peer-repeat", type=int, default=1, help="runs of the peer per input")
    p.add_argument("--peer-timeout", type=float, default=600,
                   help="seconds before a peer run is stopped and shown as a timeout")
    p.add_argument("--baseline", metavar="PATH",
                   help="a second fixproof binary timed on the same files in the same run")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 2,000 tests, 4 shards, one run, no peer")
    p.add_argument("--fixproof", default=os.environ.get("FIXPROOF",
                                                         os.path.join(ROOT, "build", "fixproof")))
    args = p.parse_args()
    if args.quick:
        args.sizes, args.repeat, args.shards, args.peer = "2000", 1, 4, False
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.shards < 1:
        p.error("--sizes, --repeat and --shards take positive numbers")
    if not os.access(args.fixproof, os.X_OK):
        p.error("no fixproof binary at %s; run 'make' first" % args.fixproof)
    if args.baseline and not os.access(args.baseline, os.X_OK):
        p.error("--baseline: no executable at %s" % args.baseline)
    if args.peer and subprocess.run([PYTHON, "-c", "import junitparser"],
                                    stderr=subprocess.DEVNULL).returncode != 0:
        print("bench: python3-junitparser is not installed: no peer column "
              "(apt-get install python3-junitparser)", file=sys.stderr)
        args.peer = False
    if not shutil.which("xmllint"):
        print("bench: xmllint is not installed: no floor column, no targets "
              "(apt-get install libxml2-utils)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    sink = Sink(args.out)
    load_start = load_average()
    rows = []
    print(HEADER, file=sys.stderr)
    for n in sizes:
        shards = min(args.shards, n)
        paths = generate(os.path.join(args.out, "data"), n, shards, args.seed)
        rows += bench_layout(n, "file", paths["before"], paths["after"], args.fixproof,
                             sink, args)
        if shards > 1:
            rows += bench_layout(n, "%d shards" % shards, paths["before_shards"],
                                 paths["after_shards"], args.fixproof, sink, args)
    env = environment(args.fixproof, sink)
    env["load_start"], env["load_end"] = load_start, load_average()
    if args.baseline:
        env["baseline"] = environment(args.baseline, sink)["fixproof"]
    result = {"schema": "fixproof.bench/1", "repeat": args.repeat, "sizes": sizes,
              "baseline": args.baseline,
              "shards": args.shards, "seed": args.seed, "sink": sink.kind,
              "environment": env, "rows": rows,
              "growth": growth(rows), "targets": targets(rows)}
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("", file=sys.stderr)
    print_report(result, sys.stdout)
    print("\nwritten: %s" % os.path.join(args.out, "bench.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
