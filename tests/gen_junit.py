#!/usr/bin/python3
"""Writes a large, deterministic, pytest-like JUnit XML file.

The shapes follow what Debian's pytest 7.2.1 writes (src/_pytest/junitxml.py):
one <testsuite name="pytest"> inside <testsuites>, dotted classnames
(tests.pkg.test_mod or tests.pkg.test_mod.TestClass), parametrized names,
failures whose message is the exception line and whose text is the
multi-line traceback, setup errors ("failed on setup with ..."), teardown
errors, collection errors (empty classname, the module as the name), skips
and xfails, and a few large <system-out> blocks. The same seed always gives
the same bytes, so the file can serve as a benchmark input.

With --after, it writes the run after a fix instead: the same tests in the
same order (drawn from the same seed), with outcomes changed by a second
random stream seeded from it: about half the failures fixed, missing
fixtures fixed or turned into assertion failures (progressed), a few
passing tests regressed or newly skipped, a few tests removed or added,
and the modules that failed to collect collecting again. So `--seed S` and
`--seed S --after` are a before/after pair for `fixproof diff` and `report`.

With --shards K, -o names a directory that receives K files
(junit-000.xml ...), each a complete document holding a contiguous slice
of the same testcases, as a CI run split over K jobs writes them.

    gen_junit.py --tests 1000000 --failure-rate 0.08 --error-rate 0.02 -o big.xml
    gen_junit.py --tests 1000000 --after -o big-after.xml
    gen_junit.py --tests 1000000 --shards 64 -o before-shards/
"""
import argparse
import os
import random
import sys

WORDS = ["order", "cart", "user", "session", "invoice", "payment", "refund",
         "ledger", "account", "token", "cache", "queue", "report", "export",
         "import", "search", "login", "logout", "profile", "price", "stock",
         "shipment", "coupon", "tax", "audit", "webhook", "retry", "lock"]
PACKAGES = ["api", "api.v2", "core", "db", "e2e", "integration", "unit",
            "workers", "billing", "auth"]
PARAMS = ["card", "cash", "eur-1", "usd-2", "a::b/c.d", "None", "0", "1",
          "True", "x y", "[nested]", "utf8-\u00e9\u00e8", "<tag>", "&amp"]
FIXTURES = "cache, capfd, capfdbinary, caplog, capsys, capsysbinary, " \
    "doctest_namespace, monkeypatch, pytestconfig, record_property, " \
    "record_testsuite_property, record_xml_attribute, recwarn, tmp_path, " \
    "tmp_path_factory, tmpdir, tmpdir_factory"


def esc_text(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(s):
    # pytest (ElementTree) escapes quotes and writes newlines as &#10;.
    return esc_text(s).replace('"', "&quot;").replace("\n", "&#10;")


class Gen:
    def __init__(self, args):
        self.args = args
        self.rnd = random.Random(args.seed)
        self.order = self.tests_in_order()

    def tests_in_order(self):
        """(classname, path) of every test, module by module and class by
        class, as pytest runs them."""
        rnd = self.rnd
        index = 0
        while True:
            pkg = rnd.choice(PACKAGES)
            mod = "tests.%s.test_%s_%d" % (pkg, rnd.choice(WORDS), index)
            path = mod.replace(".", "/") + ".py"
            classes = [None] + ["Test%s" % rnd.choice(WORDS).title()
                                for _ in range(rnd.randint(0, 2))]
            for cls in classes:
                for _ in range(rnd.randint(1, 30)):
                    yield (mod + "." + cls if cls else mod), path
            index += 1

    def traceback(self, path, func, line, exc, msg, rnd=None):
        rnd = rnd or self.rnd
        lines = ["self = <%s object at 0x7f%010x>" % (func, rnd.getrandbits(40))]
        for k in range(rnd.randint(0, 2)):
            lines.append("%s = %r" % (rnd.choice(WORDS), rnd.choice(PARAMS)))
        lines.append("")
        lines.append("    def %s(self):" % func)
        for k in range(rnd.randint(1, 3)):
            lines.append("        %s = make_%s(%d)" % (rnd.choice(WORDS), rnd.choice(WORDS), k))
        lines.append(">       assert %s == %s" % (rnd.choice(WORDS), rnd.choice(WORDS)))
        lines.append("E       %s: %s" % (exc, msg))
        if rnd.random() < 0.3:
            lines.append("E       assert %d == %d" % (rnd.randint(0, 99), rnd.randint(100, 999)))
        lines.append("")
        lines.append("%s:%d: %s" % (path, line, exc))
        return "\n".join(lines)

    def testcase(self, out, index):
        rnd, a = self.rnd, self.args
        classname, path = next(self.order)
        name = "test_%s_%d" % (rnd.choice(WORDS), index)
        if rnd.random() < 0.3:
            name += "[%s]" % rnd.choice(PARAMS)
        line = rnd.randint(1, 900)
        attrs = 'classname="%s" name="%s"' % (esc_attr(classname), esc_attr(name))
        if a.family == "xunit1":
            attrs += ' file="%s" line="%d"' % (path, line)
        attrs += ' time="%.3f"' % (rnd.expovariate(50.0))
        roll = rnd.random()
        body, kind = "", "passed"
        if roll < a.failure_rate:
            body = self.failure(path, name, line, rnd)
            kind = "failures"
        elif roll < a.failure_rate + a.error_rate:
            if rnd.random() < 0.6:
                fixture = "live_" + rnd.choice(WORDS)
                text = ("file /srv/app/%s, line %d\n      def %s(self, %s):\n"
                        "E       fixture '%s' not found\n>       available fixtures: %s\n"
                        ">       use 'pytest --fixtures [testpath]' for help on them.\n\n"
                        "/srv/app/%s:%d" % (path, line, name.split("[")[0], fixture, fixture,
                                            FIXTURES, path, line))
                msg = 'failed on setup with "%s"' % text
                kind = "setup"
            else:
                text = self.traceback(path, "teardown", line, "RuntimeError", "teardown exploded")
                msg = 'failed on teardown with "RuntimeError: teardown exploded"'
                kind = "teardown"
            body = '<error message="%s">%s</error>' % (esc_attr(msg), esc_text(text))
        elif roll < a.failure_rate + a.error_rate + a.skip_rate:
            if rnd.random() < 0.7:
                body = self.skip(path, line, rnd)
            else:
                body = '<skipped type="pytest.xfail" message="known bug %d" />' % index
            kind = "skipped"
        output = ""
        if index in self.big_outputs:
            out_lines = ["--------------------------------- Captured Out ---------------------------------"]
            size = 0
            while size < a.big_output_bytes:
                row = "%06d %s %s\n" % (size, rnd.choice(WORDS), "<&>" * rnd.randint(0, 20))
                out_lines.append(row)
                size += len(row)
            output = "<system-out>%s</system-out>" % esc_text("".join(out_lines))
        if a.after:
            body, kind = self.after_outcome(body, kind, path, name, line)
            if kind is None:
                return
        self.emit(out, attrs, body + output, kind)
        if a.after and self.alt.random() < NEW_RATE:
            new_attrs = 'classname="%s" name="%s"' % (esc_attr(classname),
                                                      esc_attr(name.split("[")[0] + "_new"))
            if a.family == "xunit1":
                new_attrs += ' file="%s" line="%d"' % (path, line + 1)
            self.emit(out, new_attrs + ' time="0.001"', "", "passed")

    def failure(self, path, name, line, rnd):
        exc = rnd.choice(["AssertionError", "ValueError", "KeyError", "TypeError",
                          "ConnectionRefusedError"])
        msg = "expected %s, got %s" % (rnd.choice(WORDS), rnd.choice(WORDS))
        if exc == "ConnectionRefusedError":
            msg = "[Errno 111] Connection refused"
        return '<failure message="%s">%s</failure>' % (
            esc_attr("%s: %s" % (exc, msg)),
            esc_text(self.traceback(path, name.split("[")[0], line + 3, exc, msg, rnd)))

    def skip(self, path, line, rnd):
        reason = "needs %s" % rnd.choice(WORDS)
        return '<skipped type="pytest.skip" message="%s">/srv/app/%s:%d: %s</skipped>' % (
            esc_attr(reason), path, line, esc_text(reason))

    def after_outcome(self, body, kind, path, name, line):
        """The outcome after the fix of a test whose outcome before is
        (body, kind), drawn from the second stream; kind None: removed."""
        r = self.alt.random()
        if r < REMOVE_RATE:
            return None, None
        r = self.alt.random()
        if kind == "passed":
            if r < REGRESS_RATE:
                return self.assertion(path, name, line), "failures"
            if r < REGRESS_RATE + NEWLY_SKIPPED_RATE:
                return self.skip(path, line, self.alt), "skipped"
        elif kind == "failures":
            if r < 0.5:
                return "", "passed"
        elif kind == "setup":
            if r < 0.4:
                return "", "passed"
            if r < 0.8:
                return self.assertion(path, name, line), "failures"
        elif kind == "teardown":
            if r < 0.5:
                return "", "passed"
        elif kind == "skipped" and r < 0.1:
            return "", "passed"
        return body, kind

    def assertion(self, path, name, line):
        """A business-logic failure: the test now reaches the code under test."""
        msg = "expected %s, got %s" % (self.alt.choice(WORDS), self.alt.choice(WORDS))
        return '<failure message="%s">%s</failure>' % (
            esc_attr("AssertionError: " + msg),
            esc_text(self.traceback(path, name.split("[")[0], line + 3, "AssertionError", msg,
                                    self.alt)))

    def emit(self, out, attrs, body, kind):
        if body:
            out.write("<testcase %s>%s</testcase>" % (attrs, body))
        else:
            out.write("<testcase %s />" % attrs)
        out.count(kind)

    def collection_error(self, out, index):
        mod = "tests.broken.test_module_%d" % index
        path = mod.replace(".", "/") + ".py"
        if self.args.after:
            # The module imports again: its tests appear instead of the error.
            for k in range(3):
                attrs = 'classname="%s" name="test_restored_%d"' % (mod, k)
                if self.args.family == "xunit1":
                    attrs += ' file="%s" line="%d"' % (path, 10 * (k + 1))
                self.emit(out, attrs + ' time="0.002"', "", "passed")
            return
        attrs = 'classname="" name="%s"' % mod
        if self.args.family == "xunit1":
            attrs += ' file="%s"' % path
        text = ("ImportError while importing test module '/srv/app/%s'.\n"
                "Hint: make sure your test modules/packages have valid Python names.\n"
                "Traceback:\n/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
                "    return _bootstrap._gcd_import(name[level:], package, level)\n"
                "%s:1: in <module>\n    from shop.gateway import Gateway\n"
                "E   ModuleNotFoundError: No module named 'shop'" % (path, path))
        self.emit(out, attrs + ' time="0.000"',
                  '<error message="collection failure">%s</error>' % esc_text(text), "errors")

    def write(self, outputs):
        """Writes the testcases to `outputs` (one file object per shard),
        shard k taking the k-th contiguous slice."""
        a, rnd = self.args, self.rnd
        self.alt = random.Random(a.seed * 7919 + 104729)
        self.big_outputs = set(rnd.sample(range(a.tests), min(a.big_outputs, a.tests)))
        collection_errors = min(a.collection_errors, a.tests)
        shards = [Shard() for _ in outputs]
        for i in range(a.tests):
            sink = shards[i * len(shards) // a.tests]
            if i < collection_errors:
                self.collection_error(sink, i)
            else:
                self.testcase(sink, i - collection_errors)
        for k, (shard, out) in enumerate(zip(shards, outputs)):
            shard.flush()
            # The suite's counts come first in the file, so the body is
            # built before the header is written.
            c = shard.counts
            out.write('<?xml version="1.0" encoding="utf-8"?><testsuites>'
                      '<testsuite name="pytest" errors="%d" failures="%d" skipped="%d" tests="%d" '
                      'time="%.3f" timestamp="2024-05-%02dT10:%02d:00.000000" hostname="ci-runner%s">'
                      % (c["errors"] + c["setup"] + c["teardown"], c["failures"], c["skipped"],
                         shard.tests, shard.tests * 0.004, 1 + a.seed % 28, a.seed % 60,
                         "-%d" % k if len(outputs) > 1 else ""))
            for chunk in shard.chunks:
                out.write(chunk)
            out.write("</testsuite></testsuites>")


# How the run after a fix differs (--after), besides fixing failures.
REMOVE_RATE = 0.0005       # tests that are gone after
NEW_RATE = 0.0005          # tests added after
REGRESS_RATE = 0.0005      # passing tests that fail after
NEWLY_SKIPPED_RATE = 0.0005


class Shard:
    """The testcases of one output file, kept as joined chunks."""

    def __init__(self):
        self.body, self.chunks = [], []
        self.counts = dict.fromkeys(["passed", "failures", "errors", "setup", "teardown",
                                     "skipped"], 0)
        self.tests = 0

    def write(self, s):
        self.body.append(s)
        if len(self.body) >= 4096:
            self.flush()

    def count(self, kind):
        self.counts[kind] += 1
        self.tests += 1

    def flush(self):
        self.chunks.append("".join(self.body))
        self.body.clear()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tests", type=int, default=1000)
    p.add_argument("--failure-rate", type=float, default=0.08)
    p.add_argument("--error-rate", type=float, default=0.02)
    p.add_argument("--skip-rate", type=float, default=0.03)
    p.add_argument("--collection-errors", type=int, default=2)
    p.add_argument("--big-outputs", type=int, default=3, help="testcases with a large <system-out>")
    p.add_argument("--big-output-bytes", type=int, default=256 * 1024)
    p.add_argument("--family", choices=["xunit1", "xunit2"], default="xunit2")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--after", action="store_true",
                   help="write the run after a fix of the run this seed gives")
    p.add_argument("--shards", type=int, default=1,
                   help="split into this many files; -o is then a directory")
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args()
    if a.shards < 1 or a.shards > max(a.tests, 1):
        p.error("--shards takes 1 to --tests files")
    gen = Gen(a)
    if a.shards > 1:
        if a.output == "-":
            p.error("--shards needs -o DIRECTORY")
        os.makedirs(a.output, exist_ok=True)
        files = [open(os.path.join(a.output, "junit-%03d.xml" % k), "w", encoding="utf-8",
                      newline="\n") for k in range(a.shards)]
        try:
            gen.write(files)
        finally:
            for f in files:
                f.close()
    elif a.output == "-":
        gen.write([sys.stdout])
    else:
        with open(a.output, "w", encoding="utf-8", newline="\n") as f:
            gen.write([f])
    return 0


if __name__ == "__main__":
    sys.exit(main())
