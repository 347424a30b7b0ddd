"""`fixproof report`: golden reports of the sample runs, tables that hold their shape,
templates given as files, size-aware output, HTML and the step summary.

Golden files live in tests/golden/; after a deliberate change to a template or the view,
rewrite them with FIXPROOF_UPDATE_GOLDEN=1 and read the diff before committing it.
"""
import json
import os
import re
import subprocess
import sys

import pytest
from lxml import etree, html

from conftest import ROOT, SAMPLES, run, sanitized

GOLDEN = ROOT / "tests" / "golden"
STORY = ["--target", "TestConcurrentUsers", "--target", "test_concurrent_login",
         "--title", "Concurrent user sessions tests fail"]
STATES = ["after", "resolved", "skipped", "regressed", "flaky"]
TEMPLATES = ["proof", "pr-summary", "executive"]


def report(*args, **kw):
    """Runs `fixproof report` from the repository root, so sample paths in
    the output are relative and the golden files hold in any checkout."""
    kw.setdefault("cwd", ROOT)
    return run("report", *args, **kw)


def pair(state):
    return ["--before", f"samples/before", "--after", f"samples/{state}"]


# ---- golden reports ----

# The sample pairs each template is checked on: the name of the golden
# file's suffix and the inputs of each side.
CUT_SHORT = ["samples/variants/before/junit-stop-at-collection-error.xml",
             "samples/before/collect-only.txt"]
PAIRS = {
    "resolved": ["--before", "samples/before", "--after", "samples/resolved"],
    "regressed": ["--before", "samples/before", "--after", "samples/regressed"],
    "skipped-away": ["--before", "samples/before", "--after", "samples/skipped"],
    "flaky": ["--before", "samples/before", "--after", "samples/flaky"],
    "cut-short": ["--before", *CUT_SHORT, "--after", "samples/resolved"],
}

# Causes as the rules name them; reports say them in words.
CAUSES = ["missing_fixture", "teardown_error", "setup_error", "import_error",
          "missing_attribute", "collection_error", "not_run", "business_logic",
          "still_failing", "newly_skipped"]


def check_golden(name, text):
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("FIXPROOF_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


def prose(page):
    """The text of an HTML page outside code: what a reader reads as words."""
    doc = html.fromstring(page)
    for el in doc.xpath("//code|//pre"):
        el.drop_tree()
    return doc.text_content()


@pytest.mark.parametrize("template", TEMPLATES)
def test_golden_reports_of_the_samples(samples, template):
    res = report(*pair("after"), *STORY, "--template", template)
    assert res.returncode == 0, res
    check_golden(template, res.out)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("name", PAIRS)
def test_golden_report_of_each_pair_reads_right_in_cmark_gfm(samples, name, template):
    res = report(*PAIRS[name], "--template", template)
    assert res.returncode == 0, res
    assert res.err == ""  # the built-in templates name no missing key
    check_golden(f"{template}-{name}", res.out)
    page = report(*PAIRS[name], "--template", template, "--format", "html")
    assert page.returncode == 0, page
    if template != "executive":
        check_tables(res.out, page.stdout)
    else:
        view = report(*PAIRS[name], "--format", "view").json()
        check_chart(res.out, view)
    words = prose(page.stdout)
    for cause in CAUSES:
        assert cause not in words, (cause, name, template)
    assert "\u2060" not in "".join(re.findall(r"`[^`]*`", res.out))


# ---- the chart ----

CHART_LABELS = {"Passed": "passed", "Infrastructure failures": "infrastructure",
                "Business-logic failures": "business_logic", "Skipped": "skipped",
                "Not run": "not_run"}

MERMAID_PIE = re.compile(
    r'%%\{init: \{"theme": "base", "themeVariables": \{(?P<colors>[^}]*)\}\}\}%%\n'
    r"pie showData\n    title (?P<title>[^\n]+)\n(?P<slices>(?:    \"[^\"\n]+\" : \d+\n)+)\Z")


def mermaid_blocks(markdown):
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.S | re.M)


def check_chart(markdown, view):
    """Two Mermaid pies, before and after, in the subset of Mermaid's pie
    grammar fixproof writes; every figure is the view's, no slice is 0 and
    the slices add up to the side's tests."""
    blocks = mermaid_blocks(markdown)
    assert len(blocks) == 2, markdown
    for block, side, word in zip(blocks, ("before", "after"), ("Before", "After")):
        m = MERMAID_PIE.match(block)
        assert m, block
        tests = view[side]["tests"]
        assert m["title"] == f"{word} the fix: {tests} tests"
        slices = re.findall(r'    "([^"]+)" : (\d+)', m["slices"])
        colors = re.findall(r'"pie(\d+)": "#[0-9a-f]{6}"', m["colors"])
        assert colors == [str(i + 1) for i in range(len(slices))]
        for label, count in slices:
            assert int(count) > 0, block
            assert int(count) == view[side][CHART_LABELS[label]], (label, side)
        shown = {CHART_LABELS[label] for label, _ in slices}
        for key in CHART_LABELS.values():
            assert key in shown or view[side][key] == 0, (key, side)
        assert sum(int(c) for _, c in slices) == tests


# ---- tables keep their shape ----

def pipes(line):
    """Cell separators of a Markdown table row: '|' not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", line))


def tables(markdown):
    """Lists of consecutive table lines."""
    out, cur = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def check_tables(markdown, page):
    md_tables = tables(markdown)
    assert md_tables
    for t in md_tables:
        assert re.fullmatch(r"\|( :?-{3,}:? \|)+", t[1]), t[1]
        width = pipes(t[0])
        for row in t:
            assert pipes(row) == width, row
    # cmark-gfm (through --format html) sees the same tables, every row
    # with as many cells as its header.
    doc = html.fromstring(page)
    html_tables = doc.findall(".//table")
    assert len(html_tables) == len(md_tables)
    for t, md in zip(html_tables, md_tables):
        head = len(t.findall("./thead/tr/th"))
        assert head == pipes(md[0]) - 1
        rows = t.findall("./tbody/tr")
        assert len(rows) == len(md) - 2
        for r in rows:
            assert len(r.findall("./td")) == head


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("state", STATES)
def test_every_table_row_has_its_cells(samples, state, template):
    md = report(*pair(state), "--template", template)
    assert md.returncode == 0, md
    page = report(*pair(state), "--template", template, "--format", "html")
    assert page.returncode == 0, page
    if template == "executive":
        assert tables(md.out) == []
        return
    check_tables(md.out, page.stdout)


# ---- formats ----

def test_html_page_is_standalone(samples):
    res = report(*pair("after"), *STORY, "--format", "html")
    assert res.returncode == 0, res
    page = res.out
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Concurrent user sessions tests fail: Partially resolved</title>" in page
    doc = html.fromstring(res.stdout)
    assert doc.findall(".//script") == []
    # Nothing is fetched from elsewhere.
    for el in doc.iter():
        for attr in ("src", "href"):
            value = el.get(attr)
            assert value is None or not re.match(r"^(https?:)?//", value), (el.tag, value)
    assert len(doc.findall(".//details")) >= 1


def test_json_format_is_the_diff_model(samples):
    res = report(*pair("after"), "--format", "json")
    direct = run("diff", *pair("after"), cwd=ROOT)
    assert res.returncode == 0
    assert res.json() == direct.json()


def test_output_file(samples, tmp_path):
    out = tmp_path / "r.md"
    res = report(*pair("after"), "-o", out)
    assert res.returncode == 0 and res.out == ""
    assert out.read_text().startswith("## ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


# ---- templates ----

def test_a_file_overrides_one_block_of_a_builtin(samples, tmp_path):
    mine = tmp_path / "mine.mustache"
    mine.write_text("{{<proof}}{{$footer}}Checked by the release team.\n{{/footer}}{{/proof}}")
    res = report(*pair("after"), *STORY, "--template", mine)
    assert res.returncode == 0, res
    full = report(*pair("after"), *STORY).out
    assert res.out.endswith("Checked by the release team.\n")
    # Everything before the footer is the built-in report, unchanged.
    head = full[:full.index("---\n\nMade by")]
    assert res.out.startswith(head)


def test_templates_dir_holds_partials(samples, tmp_path):
    (tmp_path / "team.mustache").write_text("{{> sig}}: {{verdict_label}}\n")
    (tmp_path / "sig.mustache").write_text("QA says")
    res = report(*pair("regressed"), "--templates", tmp_path, "--template", "team")
    assert res.returncode == 0, res
    assert res.out == "QA says: Regressed\n"


def test_report_partial_that_cannot_be_read_stops_the_report(samples, tmp_path):
    # A partial that is there but is no regular file, or is over the cap, is
    # an error, not a partial that renders as empty.
    (tmp_path / "team.mustache").write_text("{{> sig}}: {{verdict_label}}\n")
    os.mkfifo(tmp_path / "sig.mustache")
    res = report(*pair("regressed"), "--templates", tmp_path, "--template", "team")
    assert res.returncode == 2, res
    assert res.err == f"fixproof: cannot read template '{tmp_path}/sig.mustache': not a regular file\n"
    assert res.out == ""
    os.unlink(tmp_path / "sig.mustache")
    (tmp_path / "sig.mustache").write_text("x" * (1 << 20) + "y")
    res = report(*pair("regressed"), "--templates", tmp_path, "--template", "team")
    assert res.returncode != 0, res
    assert "larger than 1048576 bytes" in res.err
    # A partial that is not there at all renders as empty, as the spec says.
    os.unlink(tmp_path / "sig.mustache")
    res = report(*pair("regressed"), "--templates", tmp_path, "--template", "team")
    assert res.returncode == 0, res
    assert res.out == ": Regressed\n"


def test_unknown_template_and_bad_template(samples, tmp_path):
    res = report(*pair("after"), "--template", "nonesuch")
    assert res.returncode == 2
    assert res.err == ("fixproof: no template 'nonesuch': not a file, and no built-in template "
                       "of that name (built-in: proof, pr-summary, executive)\n")
    bad = tmp_path / "bad.mustache"
    bad.write_text("# {{title}}\n{{#reasons}}\n- {{.}}\n")
    res = report(*pair("after"), "--template", bad)
    assert res.returncode == 3
    assert res.err == f"fixproof: template '{bad}' line 2 column 1: unclosed section 'reasons'\n"
    assert res.out == ""


# ---- size ----

def test_max_chars_shortens_in_the_stated_order(samples):
    full = report(*pair("after"))
    assert full.returncode == 0
    limit = len(full.stdout) - 1
    res = report(*pair("after"), "--max-chars", limit)
    assert res.returncode == 0, res
    assert len(res.stdout) <= limit
    assert "This report was shortened to fit" in res.out
    # Unchanged tests go first: their list keeps its count, not its rows.
    unchanged = res.out[res.out.index("Unchanged (21)"):]
    unchanged = unchanged[:unchanged.index("</details>")]
    assert "`tests/" not in unchanged
    assert "… and 21 more." in unchanged
    assert "```text" in res.out  # traces are still there
    assert "**Verdict: Partially resolved.**" in res.out


def test_max_chars_too_small_is_an_error(samples):
    res = report(*pair("after"), "--max-chars", "100")
    assert res.returncode == 3
    assert "--max-chars 100 is too small" in res.err
    assert res.out == ""
    assert report(*pair("after"), "--max-chars", "-5").returncode == 2


def make_big_pair(tmp_path, tests=100_000, regressions=7):
    """A 100,000-test run and an `after` where every failure is fixed but
    `regressions` tests that passed now fail."""
    before = tmp_path / "before.xml"
    subprocess.run([sys.executable, str(ROOT / "tests" / "gen_junit.py"), "--tests", str(tests),
                    "--seed", "7", "-o", str(before)], check=True)
    tree = etree.parse(str(before), etree.XMLParser(huge_tree=True))
    broken = []
    for case in tree.iter("testcase"):
        results = [c for c in case if c.tag in ("failure", "error")]
        for c in results:
            case.remove(c)
        if not results and len(broken) < regressions and not case.findall("skipped") \
                and case.get("classname"):
            f = etree.SubElement(case, "failure", message="AssertionError: assert 1 == 2")
            f.text = "E   AssertionError: assert 1 == 2"
            broken.append(f"{case.get('classname')}::{case.get('name')}")
    after = tmp_path / "after.xml"
    tree.write(str(after), xml_declaration=True, encoding="utf-8")
    return before, after, broken


def test_a_100k_test_report_fits_a_github_comment(tmp_path):
    before, after, broken = make_big_pair(tmp_path)
    res = report("--before", before, "--after", after, "--max-chars", "65536", timeout=600)
    assert res.returncode == 0, res
    assert len(res.stdout) <= 65536
    out = res.out
    assert "**Verdict: Regressed.**" in out
    assert "This report was shortened to fit 65536 bytes" in out
    diff = run("diff", "--before", before, "--after", after, "--changed-only", timeout=600).json()
    assert diff["verdict"] == "regressed"
    assert diff["changes"]["regressed"] == len(broken)
    # The reasons and every regression survive the shortening.
    for reason in diff["reasons"]:
        first_words = reason.split(":")[0]
        assert first_words in out, reason
    for test_id in broken:
        assert f"`{test_id}`" in out, test_id


# ---- GitHub Actions step summary ----

def test_step_summary_appends(samples, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n")
    res = report(*pair("after"), "--step-summary", "-o", tmp_path / "r.md",
                 env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert res.returncode == 0, res
    text = summary.read_text()
    assert text.startswith("# Earlier step\n## ")
    assert text[len("# Earlier step\n"):] == (tmp_path / "r.md").read_text() + "\n"


def test_step_summary_stays_within_a_mebibyte(samples, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_bytes(b"x" * (1024 * 1024 - 6000))
    res = report(*pair("after"), "--step-summary", "-o", os.devnull,
                 env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert res.returncode == 0, res
    assert summary.stat().st_size <= 1024 * 1024
    assert b"This report was shortened" in summary.read_bytes()


def test_step_summary_needs_the_variable(samples):
    res = report(*pair("after"), "--step-summary", env={"GITHUB_STEP_SUMMARY": ""})
    assert res.returncode == 2
    assert "GITHUB_STEP_SUMMARY is not set" in res.err


def test_fail_on_after_writing_the_report(samples, tmp_path):
    out = tmp_path / "r.md"
    res = report(*pair("regressed"), "--fail-on", "regressed", "-o", out)
    assert res.returncode == 1
    assert out.read_text().startswith("## \U0001f534")
    assert res.err == "fixproof: warning: verdict is regressed (--fail-on)\n"
