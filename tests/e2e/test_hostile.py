"""The hostile-input suite: what CI jobs and strangers' pull requests can hand
fixproof, run through the real binary within bounded time and memory.

Every case checks the exit status (README, "Commands": 0 ok, 3 bad or unreadable
input, or output that could not be written), the one-line message naming
the file (and line where there is one), and that a failed `-o FILE` leaves
no file behind. Each run has a timeout, and outside the sanitizer build an
address-space cap of 1 GiB (ASan reserves far more virtual memory than
that, so conftest.sanitized() lifts it).

Small inputs are committed in tests/data/hostile/ (made by make.py there,
partly with Debian's pytest 7.2.1; tests/leakcheck.py runs each under
valgrind); large ones are made here in tmp_path.
"""
import html
import json
import os
import re
import resource
import select
import signal
import socket
import stat
import subprocess
import threading
import time

import pytest
from lxml import etree
from lxml import html as lxml_html

from conftest import DATA, ROOT, run, sanitized

HOSTILE = DATA / "hostile"
JUNIT = DATA / "junit"
MEMORY_CAP = 1 << 30
WJ = "\u2060"
FIXED = "\u2705 fixed"  # the change label of a fixed test
MB = 1 << 20
OK_CASE = '<testcase classname="tests.test_a" name="test_ok" time="0.001"/>'


def capped():
    """preexec_fn: at most MEMORY_CAP bytes of address space."""
    if not sanitized():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fp(*args, timeout=300, **kw):
    """Runs fixproof under the memory cap; returns the Result and the seconds taken.
    The Result's `cpu_seconds` is the processor time fixproof used: a bound on
    the work done that, unlike the seconds taken, does not grow with the load of
    a shared machine. The timeout only ends a run that hangs."""
    start, cpu = time.monotonic(), child_cpu_seconds()
    res = run(*args, timeout=timeout, preexec_fn=kw.pop("preexec_fn", capped), **kw)
    res.cpu_seconds = child_cpu_seconds() - cpu
    return res, time.monotonic() - start


def fp_out(tmp_path, *args, **kw):
    """Runs fixproof with `-o` into an empty folder; checks that the folder
    holds exactly the output on success and nothing at all on failure."""
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    target = out_dir / "result"
    res, seconds = fp(*args, "-o", target, **kw)
    assert sorted(os.listdir(out_dir)) == (["result"] if res.returncode in (0, 1) else []), res
    return res, seconds, target


XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
JUNIT_END = "</testsuite></testsuites>\n"


def junit_start(body, head=XML_DECL):
    return (head + '<testsuites><testsuite name="pytest">' + OK_CASE + body).encode()


def junit_doc(body, head=XML_DECL):
    return junit_start(body, head) + JUNIT_END.encode()


def write(path, data):
    path.write_bytes(data)
    return path


# ---- XML bombs, entities, DTDs ----

ENTITY_REFUSAL = ("the document declares XML entities (<!ENTITY>), which JUnit XML never does; "
                  "refused so that none is expanded")


def big_quadratic_blowup():
    # Expanded, 100,000 references to a 100,000-byte entity would be 10 GB.
    return ('<?xml version="1.0"?>\n<!DOCTYPE testsuites [<!ENTITY a "%s">]>\n'
            '<testsuites><testsuite><testcase classname="c" name="n"><failure message="m">%s'
            "</failure></testcase></testsuite></testsuites>\n"
            % ("A" * 100000, "&a;" * 100000)).encode()


@pytest.mark.parametrize("name", ["billion-laughs.xml", "quadratic-blowup.xml",
                                  "parameter-entity.xml", "external-entity.xml"])
def test_entity_documents_are_refused(name, tmp_path):
    path = HOSTILE / name
    res, seconds, _ = fp_out(tmp_path, "parse", path)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot parse '{path}': {ENTITY_REFUSAL}\n"
    assert seconds < 10
    assert b"root:" not in res.stdout + res.stderr


def test_big_quadratic_blowup_is_refused_in_bounded_time(tmp_path):
    path = write(tmp_path / "quadratic.xml", big_quadratic_blowup())
    res, seconds, _ = fp_out(tmp_path, "parse", path)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot parse '{path}': {ENTITY_REFUSAL}\n"
    assert seconds < 10


class WatchedFifo:
    """A FIFO standing in for a file an entity or DTD names: if fixproof
    opened it, a writer thread would notice (an open for writing without
    blocking succeeds only while a reader has it open)."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.opened = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self):
        while not self.stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            self.opened = True
            try:
                os.write(fd, b'<!ENTITY secret "TOP-SECRET">TOP-SECRET')
            finally:
                os.close(fd)

    def close(self):
        self.stop.set()
        self.thread.join()


@pytest.mark.parametrize("make", [
    lambda uri: '<!DOCTYPE testsuites SYSTEM "%s">\n' % uri,
    lambda uri: '<!DOCTYPE testsuites [<!ENTITY %% p SYSTEM "%s"> %%p;]>\n' % uri,
    lambda uri: '<!DOCTYPE testsuites [<!ENTITY secret SYSTEM "%s">]>\n' % uri,
    lambda uri: '<?xml-stylesheet type="text/xsl" href="%s"?>\n' % uri,
], ids=["external-dtd", "parameter-entity", "external-entity", "stylesheet"])
def test_local_files_named_by_the_document_are_never_opened(make, tmp_path):
    watched = WatchedFifo(tmp_path / "secret")
    try:
        doc = write(tmp_path / "doc.xml", junit_doc(
            '<testcase classname="c" name="n"><failure message="m">'
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="%s" parse="text"/>'
            "</failure></testcase>" % watched.path.as_uri(),
            '<?xml version="1.0"?>\n' + make(watched.path.as_uri())))
        res, seconds = fp("parse", doc, timeout=30)
    finally:
        watched.close()
    assert not watched.opened
    assert "TOP-SECRET" not in res.out + res.err
    if "ENTITY" in doc.read_text():
        assert res.returncode == 3
        assert res.err == f"fixproof: cannot parse '{doc}': {ENTITY_REFUSAL}\n"
    else:
        assert res.returncode == 0, res
        assert res.json()["summary"]["tests"] == 2
        assert res.err == ""


def test_no_network_connection_is_made(tmp_path):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    url = "http://127.0.0.1:%d" % server.getsockname()[1]
    docs = {
        "dtd": '<!DOCTYPE testsuites SYSTEM "%s/junit.dtd">\n' % url,
        "public-dtd": '<!DOCTYPE testsuites PUBLIC "-//x//DTD x//EN" "%s/p.dtd">\n' % url,
        "parameter-entity": '<!DOCTYPE testsuites [<!ENTITY %% p SYSTEM "%s/p.ent"> %%p;]>\n' % url,
        "entity": '<!DOCTYPE testsuites [<!ENTITY e SYSTEM "%s/e.ent">]>\n' % url,
        "stylesheet": '<?xml-stylesheet type="text/xsl" href="%s/s.xsl"?>\n' % url,
    }
    try:
        for name, head in docs.items():
            body = ('<testcase classname="c" name="n" xmlns:xsi="http://www.w3.org/2001/'
                    'XMLSchema-instance" xsi:schemaLocation="urn:x %s/schema.xsd">'
                    '<failure message="m"><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                    'href="%s/inc.txt" parse="text"/></failure></testcase>' % (url, url))
            doc = write(tmp_path / f"{name}.xml", junit_doc(body, '<?xml version="1.0"?>\n' + head))
            res, _ = fp("parse", doc, timeout=30)
            assert res.returncode in (0, 3), res
            # A connection would be waiting to be accepted.
            readable, _, _ = select.select([server], [], [], 0.05)
            assert readable == [], f"{name}: fixproof connected to {url}"
    finally:
        server.close()


# ---- size and depth ----

def test_deep_nesting(tmp_path):
    depth = 100000
    path = write(tmp_path / "deep.xml", junit_doc("<x>" * depth + "</x>" * depth))
    res, seconds, target = fp_out(tmp_path, "parse", path)
    assert res.returncode == 0, res
    assert res.err == (f"fixproof: warning: '{path}' line 2: the XML is damaged (elements nested "
                       "deeper than 256); kept the 1 testcases before it and "
                       "read nothing after\n")
    model = json.loads(target.read_bytes())
    assert model["summary"]["tests"] == 1
    assert model["inputs"][0]["complete"] is False
    assert seconds < 20


def huge_junit(tmp_path, name, body_before, size, body_after):
    """A JUnit file with `size` bytes of 'A' between two pieces, written in chunks."""
    path = tmp_path / name
    with open(path, "wb") as f:
        f.write(junit_start(body_before))
        chunk = b"A" * MB
        for _ in range(size // MB):
            f.write(chunk)
        f.write((body_after + JUNIT_END).encode())
    return path


LIBXML_LIMIT = "a text or attribute value over libxml2's 10 MB limit"


def test_100_mb_attribute_stops_at_libxml2s_limit(tmp_path):
    path = huge_junit(tmp_path, "attr.xml", '<testcase classname="c" name="', 100 * MB, '"/>')
    res, seconds, target = fp_out(tmp_path, "parse", path, timeout=600)
    assert res.returncode == 0, res
    assert res.err == (f"fixproof: warning: '{path}' line 2: the XML is damaged ({LIBXML_LIMIT}); "
                       "kept the 1 testcases before it and read nothing after\n")
    model = json.loads(target.read_bytes())
    assert [t["id"] for t in model["tests"]] == ["tests.test_a::test_ok"]
    # The whole file is hashed even though the reader stopped early.
    assert model["inputs"][0]["bytes"] == path.stat().st_size
    assert seconds < 60


def test_100_mb_failure_text_is_read_and_capped(tmp_path):
    # Text reaches the reader in pieces, so libxml2's 10 MB limit on one
    # value does not apply: fixproof keeps its own capped head and tail.
    path = huge_junit(tmp_path, "msg.xml", '<testcase classname="c" name="n"><failure '
                      'message="m">', 100 * MB, "</failure></testcase>")
    res, seconds, target = fp_out(tmp_path, "parse", path, timeout=600)
    assert res.returncode == 0, res
    assert res.err == ""
    model = json.loads(target.read_bytes())
    assert [t["id"] for t in model["tests"]] == ["tests.test_a::test_ok", "c::n"]
    trace = model["tests"][1]["trace"]
    assert len(trace.encode()) <= 16384
    assert "bytes left out by fixproof" in trace
    assert model["inputs"][0]["complete"] is True
    assert model["inputs"][0]["bytes"] == path.stat().st_size
    assert seconds < 60


def test_long_message_and_trace_are_cut_with_a_marker(tmp_path):
    # 9 MB stays under libxml2's limit: fixproof's own caps apply.
    size = 9 * MB
    text = "E" * size
    path = write(tmp_path / "long.xml", junit_doc(
        '<testcase classname="c" name="n"><failure message="%s">%s</failure></testcase>'
        % ("M" * size, text)))
    res, _, target = fp_out(tmp_path, "parse", path, timeout=600)
    assert res.returncode == 0, res
    assert res.err == ""
    test = [t for t in json.loads(target.read_bytes())["tests"] if t["id"] == "c::n"][0]
    # FP_MAX_MESSAGE and FP_MAX_TRACE (model.h): a quarter from the head,
    # the rest from the tail, joined by a line saying what was left out.
    head, tail = 4096 // 4, 4096 - 4096 // 4 - 64
    assert test["message"] == ("M" * head + f"\n[... {size - head - tail} bytes left out by "
                               "fixproof ...]\n" + "M" * tail)
    head, tail = 16384 // 4, 16384 - 16384 // 4 - 64
    assert test["trace"] == ("E" * head + f"\n[... {size - head - tail} bytes left out by "
                             "fixproof ...]\n" + "E" * tail)


def test_100_mb_collect_only_line(tmp_path):
    path = tmp_path / "collect.txt"
    with open(path, "wb") as f:
        f.write(b"tests/test_a.py::test_ok\ntests/test_a.py::test_long[")
        for _ in range(100):
            f.write(b"x" * MB)
        f.write(b"]\n\n2 tests collected in 0.01s\n")
    res, seconds, target = fp_out(tmp_path, "parse", path, timeout=600)
    assert res.returncode == 0, res
    assert res.err == (f"fixproof: warning: '{path}' line 2: node id longer than 4096 bytes, cut\n")
    ids = [t["id"] for t in json.loads(target.read_bytes())["tests"]]
    assert ids[0] == "tests/test_a.py::test_ok"
    # The line is kept up to 64 KiB, the node id cut to FP_MAX_NAME bytes.
    assert ids[1] == "tests/test_a.py::test_long[" + "x" * (4096 - 27)
    assert seconds < 60


# ---- bytes that are not text ----

def test_nul_bytes_and_invalid_utf8_in_collect_only_names(tmp_path):
    res, _, target = fp_out(tmp_path, "parse", HOSTILE / "collect-nul-utf8.txt")
    assert res.returncode == 0, res
    raw = target.read_bytes()
    raw.decode("utf-8")  # strict: the output is valid UTF-8
    assert b"\\u0000" not in raw
    ids = [t["id"] for t in json.loads(raw)["tests"]]
    assert ids == ["tests/test_a.py::test_nul[ab]", "tests/test_a.py::test_bad[\ufffd\ufffd\ufffd]",
                   "tests/test_a.py::test_ok"]


@pytest.mark.parametrize("name,what", [
    ("nul-byte.xml", "char 0x0 out of allowed range"),
    ("invalid-utf8.xml", "input is not proper UTF-8, indicate encoding ! Bytes: 0xFF 0xFE 0x22 0x20"),
    ("charref-nul.xml", "xmlParseCharRef: invalid xmlChar value 0"),
])
def test_junit_with_bytes_xml_forbids_keeps_what_came_before(name, what, tmp_path):
    path = HOSTILE / name
    res, _, target = fp_out(tmp_path, "parse", path)
    assert res.returncode == 0, res
    assert res.err == (f"fixproof: warning: '{path}' line 2: the XML is damaged ({what}); "
                       "kept the 1 testcases before it and read nothing after\n")
    raw = target.read_bytes()
    raw.decode("utf-8")
    assert [t["id"] for t in json.loads(raw)["tests"]] == ["tests.test_a::test_ok"]


def test_declared_latin1_is_converted():
    res, _ = fp("parse", HOSTILE / "latin1.xml")
    assert res.returncode == 0, res
    assert [t["id"] for t in res.json()["tests"]] == ["tests.test_a::test_ok", "c::caf\u00e9"]


@pytest.mark.parametrize("name", ["collect-crlf.txt", "collect-cr.txt"])
def test_collect_only_line_ends(name):
    res, _ = fp("parse", HOSTILE / name)
    assert res.returncode == 0, res
    assert res.err == ""
    model = res.json()
    assert [t["id"] for t in model["tests"]] == ["tests/test_a.py::test_one",
                                                 "tests/test_a.py::test_two[a b]"]
    assert model["collection"]["collected"] == 2
    assert model["inputs"][0]["complete"] is True


# ---- many files, unreadable files, FIFOs, endless input ----

def test_directory_with_3000_files(tmp_path):
    root = tmp_path / "results"
    statuses = ["", '<failure message="AssertionError: no">x</failure>', "<skipped/>",
                '<error message="failed on setup with &quot;x&quot;">x</error>']
    for i in range(3000):
        folder = root / f"shard-{i % 7}" / ("deep/er" if i % 3 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"junit-{i:04d}.xml").write_text(
            '<testsuite><testcase classname="tests.test_m%d" name="test_%d">%s</testcase>'
            "</testsuite>\n" % (i % 50, i, statuses[i % 4]))
    # What a directory holds besides result files is passed over.
    os.mkfifo(root / "shard-0" / "pipe.xml")
    os.symlink("/nonexistent", root / "shard-1" / "dangling.xml")
    (root / "shard-2" / "notes.txt").write_text("nothing to see\n")
    res, seconds = fp("parse", root, timeout=600)
    assert res.returncode == 0, res
    model = res.json()
    assert len(model["inputs"]) == 3000
    assert model["summary"] == {"tests": 3000, "runs": 3000, "passed": 750, "failed": 750,
                                "errors": 750, "skipped": 750, "not_run": 0, "flaky": 0}
    assert seconds < (60 if sanitized() else 15)


def test_directories_nested_too_deep(tmp_path):
    deepest = tmp_path / "results"
    for _ in range(70):
        deepest = deepest / "d"
    deepest.mkdir(parents=True)
    write(deepest / "junit.xml", junit_doc(""))
    res, _, _ = fp_out(tmp_path, "parse", tmp_path / "results")
    assert res.returncode == 3
    # parse_input.c: MAX_DIR_DEPTH levels below the folder given.
    too_deep = tmp_path / "results" / "/".join(["d"] * 65)
    assert res.err == f"fixproof: cannot read '{too_deep}': directories nested deeper than 64\n"


def test_dangling_symlink_given_directly(tmp_path):
    link = tmp_path / "gone.xml"
    os.symlink(tmp_path / "missing.xml", link)
    res, _, _ = fp_out(tmp_path, "parse", link)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot open '{link}': No such file or directory\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_folder(tmp_path):
    path = write(tmp_path / "locked.xml", junit_doc(""))
    path.chmod(0)
    folder = tmp_path / "locked"
    folder.mkdir()
    write(folder / "a.xml", junit_doc(""))
    folder.chmod(0)
    try:
        res, _, _ = fp_out(tmp_path, "parse", path)
        assert res.returncode == 3
        assert res.err == f"fixproof: cannot open '{path}': Permission denied\n"
        res, _, _ = fp_out(tmp_path, "parse", folder)
        assert res.returncode == 3
        assert res.err == f"fixproof: cannot open directory '{folder}': Permission denied\n"
    finally:
        folder.chmod(0o755)


def test_fifo_with_a_writer_that_comes_late(tmp_path):
    fifo = tmp_path / "results.xml"
    os.mkfifo(fifo)
    body = (JUNIT / "gtest.xml").read_bytes()

    def writer():
        time.sleep(0.3)  # fixproof is already waiting
        with open(fifo, "wb") as f:
            f.write(body)

    thread = threading.Thread(target=writer)
    thread.start()
    res, _ = fp("parse", fifo, timeout=30)
    thread.join()
    assert res.returncode == 0, res
    direct, _ = fp("parse", JUNIT / "gtest.xml")
    assert res.json()["summary"] == direct.json()["summary"]
    assert res.json()["inputs"][0]["sha256"] == direct.json()["inputs"][0]["sha256"]


def test_fifo_without_a_writer_stops(tmp_path):
    fifo = tmp_path / "results.xml"
    os.mkfifo(fifo)
    res, seconds, _ = fp_out(tmp_path, "parse", fifo, env={"FIXPROOF_FIFO_WAIT": "1"})
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot read '{fifo}': no program opened the FIFO for writing "
                       "within 1 seconds (FIXPROOF_FIFO_WAIT)\n")
    assert 1 <= seconds < 10


def test_fifo_wait_of_zero_does_not_wait(tmp_path):
    fifo = tmp_path / "results.xml"
    os.mkfifo(fifo)
    res, seconds = fp("parse", fifo, env={"FIXPROOF_FIFO_WAIT": "0"})
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot read '{fifo}': no program opened the FIFO for writing "
                       "within 0 seconds (FIXPROOF_FIFO_WAIT)\n")
    assert seconds < 5


def test_fifo_whose_writer_writes_nothing(tmp_path):
    fifo = tmp_path / "results.xml"
    os.mkfifo(fifo)
    thread = threading.Thread(target=lambda: open(fifo, "wb").close())
    thread.start()
    res, seconds = fp("parse", fifo, timeout=30)
    thread.join()
    assert res.returncode == 0, res
    assert res.json()["inputs"][0]["empty"] is True
    assert "pytest wrote nothing" in res.err
    assert seconds < 10


def test_dev_zero_given_as_a_path():
    res, seconds = fp("parse", "/dev/zero")
    assert res.returncode == 3
    assert res.err == "fixproof: cannot read '/dev/zero': not a regular file, FIFO or directory\n"
    assert seconds < 5


def test_dev_zero_on_standard_input_stops_at_the_input_cap(tmp_path):
    with open("/dev/zero", "rb") as zero:
        res, seconds, _ = fp_out(tmp_path, "parse", "-", stdin=zero,
                                 env={"FIXPROOF_MAX_INPUT_BYTES": str(50 * MB)})
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot read '-': larger than {50 * MB} bytes, the most one "
                       "input may hold (FIXPROOF_MAX_INPUT_BYTES)\n")
    assert seconds < 30


def test_input_cap_applies_to_files_too(tmp_path):
    path = huge_junit(tmp_path, "big.xml", '<testcase classname="c" name="n"><system-out>',
                      3 * MB, "</system-out></testcase>")
    res, _, _ = fp_out(tmp_path, "parse", path, env={"FIXPROOF_MAX_INPUT_BYTES": str(2 * MB)})
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot read '{path}': larger than {2 * MB} bytes, the most "
                       "one input may hold (FIXPROOF_MAX_INPUT_BYTES)\n")


# ---- output that cannot be written ----

SAMPLE_ARGS = ["--before", ROOT / "samples" / "before", "--after", ROOT / "samples" / "after"]
COMMANDS = {
    "parse": ["parse", ROOT / "samples" / "before"],
    "diff": ["diff", *SAMPLE_ARGS],
    "report": ["report", *SAMPLE_ARGS],
    "report-html": ["report", *SAMPLE_ARGS, "--format", "html"],
    "report-json": ["report", *SAMPLE_ARGS, "--format", "json"],
}


def device(path):
    return stat.S_ISCHR(os.stat(path).st_mode)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_disk_full(command, samples):
    args = COMMANDS[command]
    res, _ = fp(*args, "-o", "/dev/full")
    assert res.returncode == 3
    assert res.err == "fixproof: cannot write '/dev/full': No space left on device\n"
    # Written in place: a temporary file renamed over the device would
    # replace it (fixproof often runs as root in CI containers).
    assert device("/dev/full")
    with open("/dev/full", "wb") as full:
        res, _ = fp(*args, stdout=full)
    assert res.returncode == 3
    assert res.err == "fixproof: cannot write to standard output: No space left on device\n"


def test_rules_to_a_full_disk():
    with open("/dev/full", "wb") as full:
        res, _ = fp("rules", stdout=full)
    assert res.returncode == 3
    assert res.err == "fixproof: cannot write to standard output: No space left on device\n"


def test_devices_are_written_in_place(samples):
    res, _ = fp("parse", ROOT / "samples" / "before", "-o", "/dev/null")
    assert res.returncode == 0, res
    assert device("/dev/null")
    assert not [n for n in os.listdir("/dev") if ".tmp-" in n]


def test_output_to_a_fifo(tmp_path, samples):
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    # Nobody reads it: a refusal, not a hang.
    res, seconds = fp("parse", ROOT / "samples" / "before", "-o", fifo, timeout=30)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot write '{fifo}': no program is reading the FIFO\n"
    assert seconds < 5
    # A reader that is there before fixproof starts: opened without
    # blocking, it reads once poll() says a writer came.
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    got = []

    def read_all():
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(30000)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read_all)
    reader.start()
    res, _ = fp("parse", ROOT / "samples" / "before", "-o", fifo, timeout=30)
    reader.join()
    assert res.returncode == 0, res
    assert json.loads(got[0])["summary"]["tests"] > 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_to_a_directory(tmp_path, samples):
    res, _ = fp("parse", ROOT / "samples" / "before", "-o", tmp_path)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot write '{tmp_path}': it is a directory\n"
    assert os.listdir(tmp_path) == []


def test_step_summary_on_a_full_disk(samples):
    res, _ = fp("report", *SAMPLE_ARGS, "--step-summary", stdout=subprocess.DEVNULL,
                env={"GITHUB_STEP_SUMMARY": "/dev/full"})
    assert res.returncode == 3
    assert res.err == ("fixproof: cannot write $GITHUB_STEP_SUMMARY '/dev/full': "
                       "No space left on device\n")


def test_post_body_from_dev_zero():
    with open("/dev/zero", "rb") as zero:
        res, seconds = fp("post", "--dry-run", "--repo", "o/r", "--issue", "1", "-", stdin=zero)
    assert res.returncode == 2
    assert res.err == ("fixproof: post: '-' is over 16777216 bytes, far beyond GitHub's comment "
                       "limit of 65536; render a shorter report with `fixproof report "
                       "--max-chars N`\n")
    assert seconds < 30


def test_file_size_limit_leaves_the_old_file(tmp_path, samples):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "report.md"
    target.write_text("the previous report\n")

    def small_files():
        capped()
        # Ignored, SIGXFSZ would kill fixproof; ignored, write() fails with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    res, _ = fp("report", *SAMPLE_ARGS, "-o", target, preexec_fn=small_files)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot write '{target}': File too large\n"
    assert os.listdir(out_dir) == ["report.md"]
    assert target.read_text() == "the previous report\n"


# ---- hostile names through the report ----

PYTEST_BEFORE = HOSTILE / "pytest-hostile-before.xml"
PYTEST_AFTER = HOSTILE / "pytest-hostile-after.xml"
HOSTILE_TITLE = "Fix @octocat #1 GH-2 <script>alert(1)</script> | <!-- fixproof:proof --> `x`"


def code_free(md):
    """The Markdown without its fenced code blocks and code spans: what
    GitHub reads as text, links and HTML. Fences close on a run of the same
    character at least as long; a span on the next run of exactly its length."""
    lines, fence = [], None
    for line in md.split("\n"):
        m = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and \
                    not line.strip().strip(fence[0]):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        out, i = [], 0
        while i < len(line):
            if line[i] == "`":
                run_len = len(re.match(r"`+", line[i:]).group(0))
                close = re.search(r"(?<!`)`{%d}(?!`)" % run_len, line[i + run_len:])
                if close:
                    i += run_len + close.end()
                    out.append("CODE")
                    continue
                out.append(line[i:i + run_len])
                i += run_len
                continue
            out.append(line[i])
            i += 1
        lines.append("".join(out))
    return "\n".join(lines)


def pipes(row):
    """'|' that split a GFM table row: those not escaped by a backslash."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*\|", row))


def check_markdown(md):
    assert "<!-- fixproof:" not in md  # only `post` adds the marker
    text = code_free(md)
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert not re.search(r"\[[^\]\n]*\]\(", text), "a link or an image"
    # What GitHub links is found in the text once character references
    # are read ("&#35;" is '#').
    text = html.unescape(text)
    assert not re.search(r"@(?!%s)[A-Za-z0-9]" % WJ, text), "an @mention without a joiner"
    assert not re.search(r"#(?!%s)[0-9]" % WJ, text), "an issue reference without a joiner"
    assert not re.search(r"GH-[0-9]", text)
    assert not re.search(r"https?://", text), "a bare URL GitHub would link"
    # Every row of a table has as many cells as its header.
    table = None
    for line in md.split("\n"):
        if line.startswith("|"):
            table = pipes(line) if table is None else table
            assert pipes(line) == table, line[:200]
        else:
            table = None


def check_html(page):
    doc = lxml_html.document_fromstring(page)
    assert doc.xpath("//script") == []
    assert doc.xpath("//img") == []
    assert doc.xpath("//iframe|//object|//embed|//form|//style[not(parent::head)]") == []
    for el in doc.iter(etree.Element):
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), (el.tag, attr)
            assert "javascript:" not in value.lower(), (el.tag, attr)
    assert doc.xpath("//comment()[contains(., 'fixproof:')]") == []
    # Text GitHub would turn into mentions or references (outside code).
    text = " ".join(t for t in doc.xpath("//body//text()[not(ancestor::code)]"))
    assert not re.search(r"@(?!%s)[A-Za-z0-9]" % WJ, text)
    assert not re.search(r"#(?!%s)[0-9]" % WJ, text)


@pytest.mark.parametrize("template", ["proof", "pr-summary", "executive"])
def test_hostile_names_and_messages_in_the_report(template, tmp_path):
    res, _, target = fp_out(tmp_path, "report", "--before", PYTEST_BEFORE, "--after",
                            PYTEST_AFTER, "--template", template, "--title", HOSTILE_TITLE)
    assert res.returncode == 0, res
    md = target.read_text("utf-8")
    check_markdown(md)
    assert "Resolved" in md
    if template == "proof":
        # Every hostile test is listed as fixed, its id in a code span
        # whose '|' a table cell reads as part of the id.
        assert md.count(f"| {FIXED} |") == 18
        assert "| `test_hostile::test_name[a\\|b]` |" in md


def test_hostile_names_in_the_html_page(tmp_path):
    res, _, target = fp_out(tmp_path, "report", "--before", PYTEST_BEFORE, "--after",
                            PYTEST_AFTER, "--format", "html", "--title", HOSTILE_TITLE)
    assert res.returncode == 0, res
    page = target.read_text("utf-8")
    check_html(page)
    # GFM pads short rows and drops cells past the header's count, so a
    # row a name split would show its later cells shifted: every row of
    # the target table must end with the test's real outcome and change.
    doc = lxml_html.document_fromstring(page)
    targets = doc.xpath("//table[.//th[4]='Change']/tbody/tr")
    fixed = doc.xpath("//table[.//th[1]='Test' and count(.//th)=3]/tbody/tr")
    # Each test is listed once: the targets are not listed again as fixed.
    assert len(targets) == 18 and fixed == []
    for row in targets:
        cells = [td.text_content() for td in row.xpath("td")]
        assert cells[0].startswith("test_hostile::test_name["), cells
        assert cells[2:4] == ["passed", FIXED], cells
    ids = [row.xpath("td")[0].text_content() for row in targets]
    assert "test_hostile::test_name[a|b]" in ids
    assert "test_hostile::test_name[<script>alert(1)</script>]" in ids
    assert "test_hostile::test_name[| --- | --- |]" in ids
    # Ids show as they are in the trace summaries too.
    summaries = [s.text_content().replace(WJ, "") for s in doc.xpath("//summary")]
    assert "Trace of test_hostile::test_name[a|b] (before the fix)" in summaries
    assert "Trace of test_hostile::test_name[@octocat] (before the fix)" in summaries


def test_hostile_names_from_collect_only_and_raw_junit(tmp_path):
    # Line ends, NUL bytes and invalid UTF-8 in names, which pytest itself
    # escapes but other writers and damaged files do not.
    res, _, target = fp_out(tmp_path, "report", "--before", HOSTILE / "newline-names.xml",
                            HOSTILE / "collect-nul-utf8.txt", "--after",
                            HOSTILE / "pytest-hostile.collect.txt", "--title", HOSTILE_TITLE)
    assert res.returncode == 0, res
    check_markdown(target.read_text("utf-8"))
    res, _, target = fp_out(tmp_path, "report", "--before", HOSTILE / "newline-names.xml",
                            HOSTILE / "collect-nul-utf8.txt", "--after",
                            HOSTILE / "pytest-hostile.collect.txt", "--format", "html")
    assert res.returncode == 0, res
    check_html(target.read_text("utf-8"))


def test_hostile_file_names(tmp_path):
    # Paths come from the command line and from directory listings; the
    # report names every input.
    folder = tmp_path / "in"
    folder.mkdir()
    name = "x\n| a | b |\n<script>alert(1) @octocat #1 `t` <!-- fixproof:proof -->.xml"
    write(folder / name, (HOSTILE / "pytest-hostile-before.xml").read_bytes())
    res, _, target = fp_out(tmp_path, "report", "--before", folder, "--after", PYTEST_AFTER)
    assert res.returncode == 0, res
    check_markdown(target.read_text("utf-8"))
    res, _, target = fp_out(tmp_path, "report", "--before", folder, "--after", PYTEST_AFTER,
                            "--format", "html")
    assert res.returncode == 0, res
    check_html(target.read_text("utf-8"))
    res, _ = fp("parse", folder / "missing\n<b>.xml")
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot open '{folder}/missing <b>.xml': No such file or directory\n"


# ---- rules and templates from files ----

def test_rules_with_invalid_utf8_are_refused():
    # Found by fuzz_rules: written back as valid UTF-8, a name within its
    # 200-byte cap grew past it and the output did not load again.
    path = HOSTILE / "rules-invalid-utf8.json"
    res, _ = fp("rules", "--rules", path)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot load rules '{path}': rule 1: 'name' is not valid UTF-8\n"


@pytest.mark.parametrize("name,offset", [
    # Found by fuzz_rules when rules ran on glibc's regcomp: "a+" compiled as
    # "aa*", so each further '+' doubled the pattern and a hundred of them
    # ran it out of memory.
    ("rules-stacked-quantifiers.json", 10),
    # Found by fuzz_rules (a timeout): after a run of '?' glibc's regcomp
    # spent minutes computing closures.
    ("rules-quantifier-chain.json", 18),
    # Found by fuzz_rules (out of memory): a run of '+' in a group never
    # closed.
    ("rules-unclosed-group-chain.json", 16),
])
def test_rules_with_stacked_quantifiers_are_refused(name, offset):
    # PCRE2 reads "a++" as possessive and refuses a third '+' at once.
    path = HOSTILE / name
    res, seconds = fp("rules", "--rules", path)
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot load rules '{path}': rule 1 ('timeout'): bad regex in "
                       f"'message' at offset {offset}: quantifier does not follow a repeatable "
                       "item\n")
    assert seconds < 5


def test_rules_that_backtrack_without_end_stop_at_the_match_limit(tmp_path):
    # "(a+)+$" on a run of 'a' that ends otherwise tries every way to split
    # the run: 2^n steps. PCRE2's match limit ends each search as no match,
    # so the rule does not apply and the defaults classify the tests.
    cases = "".join(f'<testcase classname="t" name="test_{i}"><failure message="'
                    f'{"a" * (3000 + i)}!">boom</failure></testcase>' for i in range(20))
    junit = write(tmp_path / "junit.xml", junit_doc(cases))
    rules = write(tmp_path / "rules.json", json.dumps({"rules": [
        {"name": "hostile", "message": "(a+)+$", "category": "infrastructure",
         "cause": "never"}]}).encode())
    for jit in ("1", "0"):
        res, seconds = fp("parse", "--rules", rules, junit,
                          env={"FIXPROOF_PCRE2_JIT": jit})
        assert res.returncode == 0, res
        tests = [t for t in json.loads(res.out)["tests"] if t["status"] == "failed"]
        assert len(tests) == 20
        assert {t["rule"] for t in tests} == {"default-exception"}
        assert seconds < 30


def test_rules_file_over_the_cap():
    res, _ = fp("rules", "--rules", "/dev/zero")
    assert res.returncode == 3
    assert res.err == "fixproof: cannot load rules '/dev/zero': larger than 1048576 bytes\n"


def test_template_over_the_cap(tmp_path, samples):
    template = write(tmp_path / "big.mustache", b"x" * (MB + 1))
    res, _, _ = fp_out(tmp_path, "report", *SAMPLE_ARGS, "--template", template)
    assert res.returncode == 3
    assert res.err == (f"fixproof: cannot read template '{template}': larger than 1048576 "
                       "bytes\n")


def test_recursive_template_stops(tmp_path, samples):
    template = write(tmp_path / "loop.mustache", b"{{#shortened}}{{>loop}}{{/shortened}}x{{>loop}}")
    res, seconds, _ = fp_out(tmp_path, "report", *SAMPLE_ARGS, "--template", template)
    assert res.returncode == 3
    assert res.err == ("fixproof: template 'loop' line 1 column 39: 'loop' is nested deeper "
                       "than 64 sections, partials and blocks\n")
    assert seconds < 30


def nested_sections(depth, inner):
    return ("{{#target_tests}}" * depth + inner + "{{/target_tests}}" * depth).encode()


@pytest.mark.parametrize("depth,inner,what", [
    (7, "{{id}}", "output larger than 268435456 bytes"),
    (8, "", "rendering takes more than 100000000 steps"),
])
def test_template_that_explodes_stops(depth, inner, what, tmp_path):
    # 18 targets nested 7 or 8 deep: 18^7 ids, or 18^8 empty turns.
    template = write(tmp_path / "bomb.mustache", nested_sections(depth, inner))
    res, _, _ = fp_out(tmp_path, "report", "--before", PYTEST_BEFORE, "--after",
                       PYTEST_AFTER, "--template", template, timeout=900)
    assert res.returncode == 3
    assert res.err == f"fixproof: template '{template}': {what}\n"
    # Processor time, not the time taken: on a loaded machine the sanitizer
    # build took over 60 s for the same work.
    assert res.cpu_seconds < 60


def test_warnings_past_the_cap_are_counted(tmp_path):
    # FP_MAX_WARNINGS (model.h): 100 kept per input, the rest counted.
    lines = [f"tests/test_a.py::test_{i}[{'x' * 5000}]" for i in range(150)]
    path = write(tmp_path / "ids.txt", ("\n".join(lines) + "\n\n150 tests collected in 0.1s\n")
                 .encode())
    res, _ = fp("parse", path)
    assert res.returncode == 0, res
    warnings = res.json()["inputs"][0]["warnings"]
    assert len(warnings) == 101
    assert warnings[0] == f"'{path}' line 1: node id longer than 4096 bytes, cut"
    assert warnings[100] == "... and 50 more warnings"
    err = res.err.splitlines()
    assert len(err) == 101
    assert err[100] == f"fixproof: warning: '{path}': 50 more warnings not shown"
