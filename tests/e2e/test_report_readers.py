"""`fixproof report` for its three readers (issue 15): the PR summary explains its
verdict, numbers that cannot flatter, plain words, titles that follow the verdict,
copyable ids, shortening by importance, the engineer's note, the view for template
authors, durations, and "N runs of M tests".

Every input is a real pytest output from samples/ (see tests/sample_project/README.md);
where a test needs a slower run, it copies a sample JUnit file and changes one time.
"""
import json
import re

import pytest
from lxml import etree

from conftest import ROOT, run

CUT_SHORT = ["samples/variants/before/junit-stop-at-collection-error.xml",
             "samples/before/collect-only.txt"]
WJ = "\u2060"


def report(*args, **kw):
    kw.setdefault("cwd", ROOT)
    return run("report", *args, **kw)


def pair(state):
    return ["--before", "samples/before", "--after", f"samples/{state}"]


def diff(*args):
    res = run("diff", *args, cwd=ROOT)
    assert res.returncode == 0, res
    return res.json()


def code_spans(md):
    return re.findall(r"`([^`]+)`", md)


# ---- 1. the PR summary explains its verdict ----

@pytest.mark.parametrize("state", ["after", "skipped", "regressed", "flaky"])
def test_pr_summary_gives_every_reason_and_counts_that_add_up(samples, state):
    res = report(*pair(state), "--template", "pr-summary")
    assert res.returncode == 0, res
    model = diff(*pair(state))
    for reason in model["reasons"]:
        assert reason.split(":")[0] in res.out, reason
    line = next(l for l in res.out.splitlines() if " compared: " in l)
    total, rest = line.split(" compared: ")
    numbers = [int(part.split()[0]) for part in rest.split(" \u00b7 ")]
    assert int(total.split()[0]) == sum(numbers) == sum(model["changes"].values())


def test_pr_summary_lists_ten_tests_then_says_how_many_more(samples):
    out = report(*pair("skipped"), "--template", "pr-summary").out
    line = next(l for l in out.splitlines() if l.startswith("- **Still failing (14):**"))
    assert len(code_spans(line)) == 10
    assert line.endswith(" and 4 more")
    skipped = next(l for l in out.splitlines() if l.startswith("- **Newly skipped (4):**"))
    assert "`tests/test_sessions.py::test_concurrent_login` (target)" in skipped


# ---- 2. numbers that cannot flatter ----

def test_a_fix_that_skips_tests_shows_fewer_tests_ran(samples):
    pr = report(*pair("skipped"), "--template", "pr-summary").out
    assert "| Pass rate (of the tests that ran) | 18 of 36 (50%) | 18 of 32 (56%) |" in pr
    assert "| Tests that ran | 36 | 32 |" in pr
    assert "| Skipped \u00b7 deselected \u00b7 not run | 4 \u00b7 0 \u00b7 0 | 8 \u00b7 0 \u00b7 0 |" in pr
    ex = report(*pair("skipped"), "--template", "executive").out
    assert "After the fix, 18 of 32 tests that ran passed (56%); 8 skipped, 0 deselected, " \
           "0 not run." in ex
    assert "- Tests that ran: 36 \u2192 32." in ex


@pytest.mark.parametrize("template", ["proof", "pr-summary", "executive"])
def test_one_labelled_pass_rate_in_every_template(samples, template):
    out = report(*pair("after"), "--template", template).out
    assert "Pass rate: the tests that passed, of the tests that ran" in out
    assert "34/43" not in out and "Passed | 18/40" not in out
    assert "34 of 39" in out


# ---- 3. plain words ----

def test_causes_and_outcomes_read_as_words(samples):
    out = report(*pair("skipped")).out
    assert "errored on infrastructure: missing fixture" in out
    assert "errored on infrastructure: teardown error" in out
    assert "failed on business logic: assertion" in out
    assert "| infrastructure | missing fixture | 5 | 2 |" in out
    prose = re.sub(r"`[^`]*`", "", out)
    assert "missing_fixture" not in prose and "teardown_error" not in prose
    # The JSON keeps its names.
    assert "missing_fixture" in report(*pair("skipped"), "--format", "json").out


def test_singular_and_plural(samples):
    out = report("--before", *CUT_SHORT, "--after", "samples/resolved").out
    assert "The target is the 1 test that failed before the fix." in out
    out = report(*pair("after"), "--target", "test_concurrent_login").out
    assert "The target is the 1 test matching `test_concurrent_login`." in out


def test_flaky_is_explained_where_it_appears(samples):
    for template in ("proof", "pr-summary", "executive"):
        out = report(*pair("flaky"), "--template", template).out
        assert "(flaky)" in out
        assert "Flaky means that a test's runs disagreed" in out


def test_a_test_that_never_ran_before_and_runs_after_is_not_new(samples):
    out = report("--before", *CUT_SHORT, "--after", "samples/resolved").out
    newly_run = out[out.index("Newly run (38)"):]
    newly_run = newly_run[:newly_run.index("</details>")]
    assert "`tests/test_orders.py::test_create_order` | not run (collected only) | passed |" \
        in newly_run
    new = out[out.index("### New (2)"):]
    new = new[:new.index("\n---\n")]
    assert "test_create_order" not in new


# ---- 4. titles follow the verdict ----

def test_titles_follow_the_verdict(samples):
    assert report(*pair("resolved"), "--target", "TestConcurrentUsers",
                  "--target", "test_concurrent_login").out.startswith(
        "## \u2705 Proof of resolution: Resolved\n")
    for state, icon, label in (("regressed", "\U0001f534", "Regressed"),
                               ("skipped", "\u274c", "Unresolved")):
        out = report(*pair(state)).out
        assert out.startswith(f"## {icon} Test results before and after the fix: {label}\n")
        assert "Proof of resolution" not in out
    out = report(*pair("regressed"), "--title", "").out
    assert out.startswith("## \U0001f534 Regressed\n")
    page = report(*pair("regressed"), "--title", "", "--format", "html").out
    assert "<title>Regressed</title>" in page
    # A title of blanks is no title either.
    assert report(*pair("regressed"), "--title", " \t ").out.startswith("## \U0001f534 Regressed\n")


# ---- 5. copyable ids, each test once ----

def test_ids_are_code_spans_without_joiners_and_text_keeps_them(samples):
    out = report(*pair("after"), "--note", "Ask @octocat about #12").out
    assert "Ask @\u2060octocat about &#35;\u206012" in out
    for span in code_spans(out):
        assert WJ not in span
    reasons = [l for l in out.splitlines() if l.startswith("- ") and "::" in l]
    assert reasons and all("`tests/" in l for l in reasons)


@pytest.mark.parametrize("state", ["after", "regressed", "flaky"])
def test_each_test_appears_in_one_table_only(samples, state):
    out = report(*pair(state)).out
    rows = [l.split(" | ")[0] for l in out.splitlines() if l.startswith("| `tests/")]
    assert rows and len(rows) == len(set(rows))


# ---- 6. --max-chars keeps what matters ----

def test_max_chars_drops_rows_of_the_least_important_lists_first(samples):
    full = report(*pair("regressed"))
    limit = len(full.stdout) - 6000
    res = report(*pair("regressed"), "--max-chars", limit)
    assert res.returncode == 0, res
    assert len(res.stdout) <= limit
    out = res.out
    # The regression and the targets keep their rows; fixed tests lose theirs first.
    assert "`tests/test_inventory.py::TestInventory::TestReservations::test_reserve_reduces_stock`" \
        in out
    assert "| `tests/test_sessions.py::test_concurrent_login` |" in out
    # The note renders as intended, a code span and all, and says bytes.
    note = next(l for l in out.splitlines() if l.startswith("> **Note:**"))
    assert f"shortened to fit {limit} bytes" in note
    assert "`fixproof diff`" in note and "&#96;" not in note


def test_a_shortened_target_table_keeps_the_targets_that_still_fail(samples):
    res = report(*pair("after"), "--max-chars", 6000)
    assert res.returncode == 0, res
    rows = [l for l in res.out.splitlines() if l.startswith("| `tests/")]
    # 5 rows of 18 targets: the 3 still failing and the 2 progressed, not the first fixed ones.
    assert [r.split(" | ")[-2] for r in rows] == \
        ["❌ still failing", "❌ still failing", "⬆️ progressed", "⬆️ progressed", "❌ still failing"]
    assert "… and 13 more targets." in res.out
    # The note names the lists in plain words, in the order they were cut, and
    # only those that lost rows here: every fixed or still failing test is a target.
    note = next(l for l in res.out.splitlines() if l.startswith("> **Note:**"))
    assert ("it leaves out the traces; every row of these lists: unchanged, new, newly "
            "collectable, removed; target rows past the first 5. Run `fixproof diff`") in note


def test_a_shortened_pr_summary_notes_only_what_it_left_out(samples):
    res = report(*pair("skipped"), "--template", "pr-summary", "--max-chars", 2000)
    assert res.returncode == 0, res
    # pr-summary shows no traces and no unchanged list: the note does not name them.
    note = next(l for l in res.out.splitlines() if l.startswith("> **Note:**"))
    assert note == ("> **Note:** This report was shortened to fit 2000 bytes: it leaves out every "
                    "row of these lists: newly skipped, still failing. Run `fixproof diff` on the "
                    "same inputs for every test.")
    # A list that lost every id says why instead of a bare count.
    assert "- **Still failing (14):** not named here, to fit the report's size limit" in res.out


def test_a_shortened_report_has_no_table_without_rows(samples):
    full = len(report(*pair("after")).stdout)
    for limit in range(full - 500, 3000, -700):
        res = report(*pair("after"), "--max-chars", limit)
        if res.returncode != 0:
            break
        lines = res.out.splitlines()
        for i, line in enumerate(lines):
            if re.fullmatch(r"\|( :?-{3,}:? \|)+", line):
                assert i + 1 < len(lines) and lines[i + 1].startswith("|"), (limit, lines[i - 1])


def test_help_says_max_chars_counts_bytes():
    out = run("report", "--help").out
    assert "--max-chars N" in out and "bytes (not characters" in out
    for option in ("--note TEXT|@FILE", "--note-markdown @FILE", "--strict", "view"):
        assert option in out


# ---- 7. the engineer's note ----

def test_note_is_its_own_section_escaped_as_text(samples, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Root cause: the *session* store was shared.\n\nNext: add a lock | test.\n")
    for template, heading in (("proof", "### Root cause and next steps"),
                              ("executive", "## Root cause and next steps")):
        out = report(*pair("resolved"), "--template", template, "--note", f"@{note}").out
        section = out[out.index(heading):]
        assert "Root cause: the &#42;session&#42; store was shared.\n\nNext: add a lock &#124; test." \
            in section


def test_note_markdown_is_kept(samples, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("**Root cause**: a shared `SessionStore`.\n")
    out = report(*pair("resolved"), "--note-markdown", f"@{note}").out
    assert "**Root cause**: a shared `SessionStore`." in out
    res = report(*pair("resolved"), "--note", "@/nonexistent/note.txt")
    assert res.returncode == 2
    assert res.err == "fixproof: cannot open note '/nonexistent/note.txt': " \
                      "No such file or directory\n"


def test_note_markdown_that_leaves_a_code_block_open_does_not_swallow_the_report(samples, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("Root cause:\n\n````text\nTraceback\n```\nstill inside\n")
    out = report(*pair("resolved"), "--note-markdown", f"@{note}").out
    assert "````text\nTraceback\n```\nstill inside\n````\n" in out
    full = report(*pair("resolved"), "--format", "html").out
    page = report(*pair("resolved"), "--format", "html", "--note-markdown", f"@{note}").out
    assert page.count("<table") == full.count("<table") > 0
    # A block the note closes itself is left as it is.
    note.write_text("```\nTraceback\n```\n")
    assert "```\nTraceback\n```\n\n" in report(*pair("resolved"), "--note-markdown", f"@{note}").out


# ---- 8. template authors see what they can use ----

def test_format_view_prints_every_key_the_templates_use(samples):
    view = report(*pair("after"), "--format", "view").json()
    for key in ("verdict_icon", "heading", "headline_md", "reasons_md", "targets_md",
                "changes_line", "pass_rate_about", "note_md", "slower", "lists"):
        assert key in view, key
    assert view["after"]["pass_rate_text"] == \
        "34 of 39 tests that ran passed (87%); 4 skipped, 0 deselected, 0 not run"
    # Every key the built-in templates name is there: rendering them warns
    # of none (a missing key would warn, as the next test shows).
    for template in ("proof", "pr-summary", "executive"):
        assert report(*pair("after"), "--template", template).err == ""


def test_a_template_naming_a_missing_key_warns_or_fails_with_strict(samples, tmp_path):
    mine = tmp_path / "mine.mustache"
    mine.write_text("{{verdict_label}}\n{{verdict_lable}}\n")
    res = report(*pair("after"), "--template", mine)
    assert res.returncode == 0
    assert res.out == "Partially resolved\n\n"
    assert res.err == (f"fixproof: warning: template '{mine}' line 2 column 1: the view has no "
                       "key 'verdict_lable' (see 'fixproof report --format view')\n")
    res = report(*pair("after"), "--template", mine, "--strict")
    assert res.returncode == 3 and res.out == ""
    assert "no key 'verdict_lable'" in res.err


def test_a_template_may_test_every_verdict_under_strict(samples, tmp_path):
    mine = tmp_path / "mine.mustache"
    mine.write_text("{{#verdict_is.resolved}}done{{/verdict_is.resolved}}"
                    "{{^verdict_is.resolved}}not yet{{/verdict_is.resolved}}\n")
    res = report(*pair("regressed"), "--template", mine, "--strict")
    assert (res.returncode, res.out, res.err) == (0, "not yet\n", "")
    flags = report(*pair("regressed"), "--format", "view").json()["verdict_is"]
    assert flags == {"inconclusive": False, "regressed": True, "resolved": False,
                     "partially_resolved": False, "unresolved": False, "unblocked": False}


# ---- 11. durations ----

def slower_copy(tmp_path):
    """samples/resolved with one target 3 s slower: its JUnit time set to 3.5 s."""
    after = tmp_path / "after"
    after.mkdir()
    tree = etree.parse(str(ROOT / "samples" / "resolved" / "junit.xml"))
    for case in tree.iter("testcase"):
        if case.get("name") == "test_concurrent_login":
            case.set("time", "3.500")
    tree.write(str(after / "junit.xml"), xml_declaration=True, encoding="utf-8")
    collected = ROOT / "samples" / "resolved" / "collect-only.txt"
    (after / "collect-only.txt").write_bytes(collected.read_bytes())
    return after


def test_durations_and_the_slower_section(samples, tmp_path):
    after = slower_copy(tmp_path)
    out = report("--before", "samples/before", "--after", after,
                 "--target", "test_concurrent_login").out
    assert "| Total test time | 108 ms | 3.67 s |" in out
    slower = out[out.index("### Slower (1)"):]
    assert "| `tests/test_sessions.py::test_concurrent_login` | 0 ms | 3.50 s |" in slower
    target = next(l for l in out.splitlines()
                  if l.startswith("| `tests/test_sessions.py::test_concurrent_login`"))
    assert target.endswith("| 0 ms \u2192 3.50 s |")
    pr = report("--before", "samples/before", "--after", after, "--template", "pr-summary").out
    # One test: no separator after it.
    assert "- **Slower (1):** `tests/test_sessions.py::test_concurrent_login` 0 ms \u2192 3.50 s\n" in pr
    assert "Slower" not in report(*pair("resolved")).out


# ---- issue 14 item 6: reruns ----

def test_reports_say_runs_of_tests_when_tests_ran_again(samples):
    for template in ("proof", "pr-summary", "executive"):
        out = report(*pair("flaky"), "--template", template).out
        if template == "proof":
            assert "| Runs (reruns counted) | 40 | 46 |" in out
        else:
            assert "After: 46 runs of 43 tests." in out
    assert "runs of" not in report(*pair("resolved"), "--template", "pr-summary").out
