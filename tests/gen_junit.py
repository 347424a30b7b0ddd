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

    gen_junit.py --tests 1000000 --failure-rate 0.08 --error-rate 0.02 -o big.xml
"""
import argparse
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

    def traceback(self, path, func, line, exc, msg):
        rnd = self.rnd
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
        body = ""
        if roll < a.failure_rate:
            exc = rnd.choice(["AssertionError", "ValueError", "KeyError", "TypeError",
                              "ConnectionRefusedError"])
            msg = "expected %s, got %s" % (rnd.choice(WORDS), rnd.choice(WORDS))
            if exc == "ConnectionRefusedError":
                msg = "[Errno 111] Connection refused"
            body = '<failure message="%s">%s</failure>' % (
                esc_attr("%s: %s" % (exc, msg)),
                esc_text(self.traceback(path, name.split("[")[0], line + 3, exc, msg)))
            self.counts["failures"] += 1
        elif roll < a.failure_rate + a.error_rate:
            kind = rnd.random()
            if kind < 0.6:
                fixture = "live_" + rnd.choice(WORDS)
                text = ("file /srv/app/%s, line %d\n      def %s(self, %s):\n"
                        "E       fixture '%s' not found\n>       available fixtures: %s\n"
                        ">       use 'pytest --fixtures [testpath]' for help on them.\n\n"
                        "/srv/app/%s:%d" % (path, line, name.split("[")[0], fixture, fixture,
                                            FIXTURES, path, line))
                msg = 'failed on setup with "%s"' % text
            else:
                text = self.traceback(path, "teardown", line, "RuntimeError", "teardown exploded")
                msg = 'failed on teardown with "RuntimeError: teardown exploded"'
            body = '<error message="%s">%s</error>' % (esc_attr(msg), esc_text(text))
            self.counts["errors"] += 1
        elif roll < a.failure_rate + a.error_rate + a.skip_rate:
            if rnd.random() < 0.7:
                reason = "needs %s" % rnd.choice(WORDS)
                body = '<skipped type="pytest.skip" message="%s">/srv/app/%s:%d: %s</skipped>' % (
                    esc_attr(reason), path, line, esc_text(reason))
            else:
                body = '<skipped type="pytest.xfail" message="known bug %d" />' % index
            self.counts["skipped"] += 1
        if index in self.big_outputs:
            out_lines = ["--------------------------------- Captured Out ---------------------------------"]
            size = 0
            while size < a.big_output_bytes:
                row = "%06d %s %s\n" % (size, rnd.choice(WORDS), "<&>" * rnd.randint(0, 20))
                out_lines.append(row)
                size += len(row)
            body += "<system-out>%s</system-out>" % esc_text("".join(out_lines))
        if body:
            out.write("<testcase %s>%s</testcase>" % (attrs, body))
        else:
            out.write("<testcase %s />" % attrs)

    def collection_error(self, out, index):
        mod = "tests.broken.test_module_%d" % index
        path = mod.replace(".", "/") + ".py"
        attrs = 'classname="" name="%s"' % mod
        if self.args.family == "xunit1":
            attrs += ' file="%s"' % path
        text = ("ImportError while importing test module '/srv/app/%s'.\n"
                "Hint: make sure your test modules/packages have valid Python names.\n"
                "Traceback:\n/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
                "    return _bootstrap._gcd_import(name[level:], package, level)\n"
                "%s:1: in <module>\n    from shop.gateway import Gateway\n"
                "E   ModuleNotFoundError: No module named 'shop'" % (path, path))
        out.write('<testcase %s time="0.000"><error message="collection failure">%s</error></testcase>'
                  % (attrs, esc_text(text)))
        self.counts["errors"] += 1

    def write(self, out):
        a, rnd = self.args, self.rnd
        self.counts = {"failures": 0, "errors": 0, "skipped": 0}
        self.big_outputs = set(rnd.sample(range(a.tests), min(a.big_outputs, a.tests)))
        collection_errors = min(a.collection_errors, a.tests)
        body = []

        class Sink:
            def write(self, s):
                body.append(s)
                if len(body) >= 4096:
                    flush()

        chunks = []

        def flush():
            chunks.append("".join(body))
            body.clear()

        sink = Sink()
        for i in range(collection_errors):
            self.collection_error(sink, i)
        for i in range(a.tests - collection_errors):
            self.testcase(sink, i)
        flush()
        # The suite's counts come first in the file, so the body is built
        # before the header is written.
        out.write('<?xml version="1.0" encoding="utf-8"?><testsuites>'
                  '<testsuite name="pytest" errors="%d" failures="%d" skipped="%d" tests="%d" '
                  'time="%.3f" timestamp="2024-05-%02dT10:%02d:00.000000" hostname="ci-runner">'
                  % (self.counts["errors"], self.counts["failures"], self.counts["skipped"],
                     a.tests, a.tests * 0.004, 1 + a.seed % 28, a.seed % 60))
        for c in chunks:
            out.write(c)
        out.write("</testsuite></testsuites>")


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
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args()
    gen = Gen(a)
    if a.output == "-":
        gen.write(sys.stdout)
    else:
        with open(a.output, "w", encoding="utf-8", newline="\n") as f:
            gen.write(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
