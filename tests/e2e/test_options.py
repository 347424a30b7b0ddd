"""Every option of every command, in every form the option tables accept:
`--opt=VALUE`, `--opt VALUE`, and the short alias (`-o VALUE`, `-oVALUE`).

Each form must do exactly what the canonical `--opt VALUE` does, and that must
differ from leaving the option out, so a form that is parsed but dropped fails.
Bad values, missing values and values given to flags are usage errors (exit 2)
in every form, with one line that names the option. `OPTIONS` lists every
option; a test checks it against each command's --help, so a new option
without a case here fails."""
import json
import re

import pytest

from conftest import ROOT, SAMPLES, run
from fake_github import FakeGitHub

BEFORE, AFTER = "samples/before", "samples/after"
SIDES = ["--before", BEFORE, "--after", AFTER]
TARGET = "TestConcurrentUsers"
TOKEN = "ghp_fixproofOptionsToken0123456789"
POST_ENV = {"GITHUB_TOKEN": "", "GH_TOKEN": "", "GITHUB_REPOSITORY": "", "GITHUB_EVENT_PATH": "",
            "GITHUB_REF": "", "GITHUB_API_URL": "", "GITHUB_STEP_SUMMARY": "",
            "FIXPROOF_RETRY_BASE_MS": "10"}
# Options whose effect these runs cannot show (it needs a rate limit, a token
# that cannot read /user, or traces that name files, which the samples' lack):
# every form must still be accepted and do the same.
INVISIBLE = {("post", "author"), ("post", "max-wait"), ("post", "quiet"), ("annotate", "root")}

# command -> [(long name, short alias or None, kind, a value, a bad value or None)]
OPTIONS = {
    "parse": [("rules", None, "string", "@rules", None), ("format", None, "enum", "ctrf", "xml"),
              ("output", "o", "string", "@out", None),
              ("quiet", "q", "flag", None, None)],
    "diff": [("before", None, "list", None, None), ("after", None, "list", None, None),
             ("target", None, "string", TARGET, None), ("rules", None, "string", "@rules", None),
             ("goal", None, "enum", "reach", "arrive"),
             ("fail-on", None, "enum", "any", "sometimes"),
             ("output", "o", "string", "@out", None), ("quiet", "q", "flag", None, None),
             ("changed-only", None, "flag", None, None)],
    "report": [("before", None, "list", None, None), ("after", None, "list", None, None),
               ("target", None, "string", TARGET, None),
               ("rules", None, "string", "@rules", None), ("goal", None, "enum", "reach", "x"),
               ("fail-on", None, "enum", "any", "sometimes"),
               ("output", "o", "string", "@out", None), ("quiet", "q", "flag", None, None),
               ("template", None, "string", "pr-summary", None),
               ("templates", None, "string", "@templates", None),
               ("format", None, "enum", "html", "pdf"), ("title", None, "string", "Why", None),
               ("note", None, "string", "the pool was too small", None),
               ("note-markdown", None, "string", "@note", None),
               ("strict", None, "flag", None, None),
               ("max-chars", None, "int", "3000", "0"),
               ("step-summary", None, "flag", None, None),
               ("annotate", None, "flag", None, None)],
    "annotate": [("before", None, "list", None, None), ("after", None, "list", None, None),
                 ("target", None, "string", TARGET, None),
                 ("rules", None, "string", "@rules", None),
                 ("goal", None, "enum", "reach", "arrive"),
                 ("fail-on", None, "enum", "any", "sometimes"),
                 ("root", None, "string", "/home/dev/shop", None),
                 ("output", "o", "string", "@out", None), ("quiet", "q", "flag", None, None)],
    "post": [("repo", None, "string", "octo/other", None), ("issue", None, "string", "7", None),
             ("marker", None, "string", "release", None), ("mode", None, "enum", "create", "upsert"),
             ("author", None, "string", "someone", None),
             ("api-url", None, "string", "@api", None),
             ("max-wait", None, "int", "5", "-1"), ("dry-run", None, "flag", None, None),
             ("verbose", "v", "flag", None, None), ("quiet", "q", "flag", None, None)],
    "rules": [("rules", None, "string", "@rules", None)],
    "annotate": [("before", None, "list", None, None), ("after", None, "list", None, None),
                 ("target", None, "string", TARGET, None),
                 ("rules", None, "string", "@rules", None), ("goal", None, "enum", "reach", "x"),
                 ("fail-on", None, "enum", "any", "sometimes"),
                 ("output", "o", "string", "@out", None), ("quiet", "q", "flag", None, None),
                 ("root", None, "string", "/nonexistent", None)],
    "capture": [("output", "o", "string", "@dir", None), ("label", None, "string", "nightly", None),
                ("junit", None, "string", "reports", None),
                ("timeout", None, "string", "30", "0"), ("quiet", "q", "flag", None, None)],
}
# capture runs a command: test_capture_options_in_every_form covers it.
RUNNABLE = {c: o for c, o in OPTIONS.items() if c != "capture"}


@pytest.fixture
def github():
    fake = FakeGitHub()
    fake.add_token(TOKEN, "fixproof-bot")
    fake.add_repo("octo/proof", issues=(5, 7))
    fake.add_repo("octo/other", issues=(5,))
    fake.start()
    # Ours: a dry run in the default mode would update it, --mode create not.
    fake.add_comment("octo/proof", 5, "fixproof-bot", "<!-- fixproof:ci -->\nold")
    yield fake
    fake.stop()


@pytest.fixture
def files(tmp_path):
    """The files values that start with '@' name."""
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"schema": "fixproof.rules/1", "rules": [
        {"name": "all-down", "message": ".", "category": "infrastructure",
         "cause": "connection"}]}))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "proof.mustache").write_text("verdict {{verdict}} from my templates\n")
    note = tmp_path / "note.md"
    note.write_text("The **pool** was too small.\n")
    return {"@rules": str(rules), "@templates": str(templates), "@note": "@" + str(note),
            "@out": str(tmp_path / "out")}


def outcome(command, args, tmp_path, base, stdin=b"report body\n"):
    """What a run shows: exit status, standard output, standard error, and
    the files -o and $GITHUB_STEP_SUMMARY wrote (removed after reading)."""
    out, summary = tmp_path / "out", tmp_path / "summary.md"
    for f in (out, summary):
        if f.exists():
            f.unlink()
    summary.touch()
    env = dict(POST_ENV, GITHUB_STEP_SUMMARY=str(summary), GITHUB_TOKEN=TOKEN)
    res = run(command, *base, *args, env=env, cwd=ROOT, stdin=stdin)
    shown = (res.returncode, res.out, res.err,
             out.read_bytes() if out.exists() else None, summary.read_bytes())
    return res, shown


def base_args(request, command, long, tmp_path):
    """The arguments every run of the case has, the option under test aside."""
    if command == "post":
        # A dry run reads (the marked comment) but writes nothing, so every
        # run sees the same comments.
        github = request.getfixturevalue("github")
        where = ["--marker", "ci", "--repo", "octo/proof", "--issue", "5", "--api-url", github.url]
        return where if long == "dry-run" else ["--dry-run", *where]
    extra = []
    if long == "strict":
        # --strict matters with a template that names a key the view lacks.
        template = tmp_path / "t.mustache"
        template.write_text("{{verdict}} {{no_such_key}}\n")
        extra = ["--template", str(template)]
    elif long == "goal" and command == "report":
        extra = ["--format", "json"]  # the goal shows in the diff model
    elif long == "goal" and command == "annotate":
        # The goal shows in the verdict, which --fail-on turns into the exit
        # status: partially_resolved, or with reach unblocked.
        extra = ["--target", TARGET, "--fail-on", "any"]
    elif long == "root":
        # A regression whose trace names paths under /home/dev/shop.
        data = ROOT / "tests" / "data" / "annotate"
        return ["--before", str(data / "before.xml"), "--after", str(data / "after.xml")]
    elif long == "quiet" and command != "parse":
        extra = ["--fail-on", "any"]  # a warning that --quiet silences
    if command == "parse":
        inputs = tmp_path / "inputs"
        if not inputs.exists():
            # A directory with XML that is not JUnit: a warning.
            inputs.mkdir()
            (inputs / "junit.xml").write_bytes((SAMPLES / "before" / "junit.xml").read_bytes())
            (inputs / "coverage.xml").write_bytes(
                (ROOT / "tests" / "data" / "foreign" / "coverage.xml").read_bytes())
        return [str(inputs)]
    return {"diff": SIDES, "report": SIDES, "annotate": SIDES, "rules": []}[command] + extra


def forms(long, alias, value):
    """Every spelling of one option with `value` (None: a flag)."""
    if value is None:
        return [[f"--{long}"]] + ([[f"-{alias}"]] if alias else [])
    spelt = [[f"--{long}={value}"], [f"--{long}", value]]
    if alias:
        spelt += [[f"-{alias}", value], [f"-{alias}{value}"]]
    return spelt


VALUED = [(cmd, *opt) for cmd, opts in RUNNABLE.items() for opt in opts if opt[2] != "list"]


@pytest.mark.parametrize("command,long,alias,kind,value,bad", VALUED,
                         ids=[f"{c}--{o}" for c, o, *_ in VALUED])
def test_every_form_of_every_option_does_the_same(samples, files, tmp_path, request, command,
                                                  long, alias, kind, value, bad):
    base = base_args(request, command, long, tmp_path)
    if value == "@api":
        # Another API root: GitHub Enterprise Server's shape, on the fake.
        value = request.getfixturevalue("github").url + "/api/v3"
    value = files.get(value, value)
    spellings = forms(long, alias, value)
    res, canonical = outcome(command, spellings[0 if value is None else 1], tmp_path, base)
    for spelt in spellings:
        assert outcome(command, spelt, tmp_path, base)[1] == canonical, spelt
    # Last: without --dry-run, post writes.
    _, without = outcome(command, [], tmp_path, base)
    if (command, long) in INVISIBLE:
        assert canonical[0] == 0, res
    else:
        assert canonical != without, f"--{long} changed nothing: {res}"


def test_output_with_equals_does_not_overwrite_an_input(tmp_path):
    """The bug: `--output=FILE` was taken as the short alias and the next
    argument, the first input, became the output."""
    junit, collect = tmp_path / "a.xml", tmp_path / "b.txt"
    junit.write_bytes((SAMPLES / "before" / "junit.xml").read_bytes())
    collect.write_bytes((SAMPLES / "before" / "collect-only.txt").read_bytes())
    before = junit.read_bytes(), collect.read_bytes()
    out = tmp_path / "out.json"
    res = run("parse", f"--output={out}", junit, collect)
    assert res.returncode == 0, res
    assert (junit.read_bytes(), collect.read_bytes()) == before
    assert json.loads(out.read_text())["summary"]["tests"] > 0
    assert res.out == ""


@pytest.mark.parametrize("command", ["diff", "report"])
def test_input_lists_in_every_form(samples, command):
    files = [f"{BEFORE}/junit.xml", f"{BEFORE}/collect-only.txt"]
    after = ["--after", AFTER]
    spaced = run(command, "--before", *files, *after, cwd=ROOT)
    assert spaced.returncode == 0, spaced
    equals = run(command, f"--before={files[0]}", files[1], *after, cwd=ROOT)
    split = run(command, "--before", files[0], "--before", files[1], *after, cwd=ROOT)
    late = run(command, *after, "--before", *files, cwd=ROOT)
    assert spaced.out == equals.out == split.out == late.out
    one = run(command, "--before", files[0], *after, cwd=ROOT)
    assert one.out != spaced.out


def bad_forms(long, alias, kind, bad):
    """(arguments, what the message must say) for every wrong spelling."""
    name = f"--{long}"
    if kind == "flag":
        cases = [([f"{name}=yes"], f"option '{name}' takes no value")]
        if alias:
            cases.append(([f"-{alias}x"], f"unknown option '-{alias}x'"))
        return cases
    what = "at least one INPUT" if kind == "list" else "a value"
    cases = [([name], f"option '{name}' needs {what}")]
    if alias:
        cases.append(([f"-{alias}"], f"option '-{alias}' needs {what}"))
    if bad is not None:
        cases += [([f"{name}={bad}"], f"{name} takes"), ([name, bad, "--"], f"{name} takes")]
        if alias:
            cases += [([f"-{alias}", bad], f"-{alias} takes"), ([f"-{alias}{bad}"], f"-{alias} takes")]
    return cases


ALL = [(cmd, *opt) for cmd, opts in OPTIONS.items() for opt in opts]


@pytest.mark.parametrize("command,long,alias,kind,value,bad", ALL,
                         ids=[f"{c}--{o}" for c, o, *_ in ALL])
def test_bad_values_are_usage_errors_in_every_form(command, long, alias, kind, value, bad):
    # Nothing is read or sent: the command line is refused first.
    for args, said in bad_forms(long, alias, kind, bad):
        # The bad option comes last, so "needs a value" is about it.
        res = run(command, *args, env=POST_ENV, stdin=b"")
        assert res.returncode == 2, (args, res)
        assert res.out == ""
        assert res.err.startswith(f"fixproof: {command}: "), (args, res.err)
        assert said in res.err, (args, res.err)
        assert res.err.endswith(f"; see 'fixproof {command} --help'\n"), (args, res.err)
        assert res.err.count("\n") == 1


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_lists_exactly_the_options_tested_here(command):
    res = run(command, "--help")
    assert res.returncode == 0 and res.err == ""
    listed = set(re.findall(r"^  (?:-\w, )?\s*--([a-z-]+)", res.out, re.M)) - {"help"}
    assert listed == {o[0] for o in OPTIONS[command]}
    for long, alias, *_ in OPTIONS[command]:
        if alias:
            assert f"  -{alias}, --{long}" in res.out
    assert all(len(line) < 80 for line in res.out.splitlines()), res.out


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_unknown_options_and_double_dash(command):
    res = run(command, "--no-such-option=1", env=POST_ENV, stdin=b"")
    assert res.returncode == 2
    assert res.err == (f"fixproof: {command}: unknown option '--no-such-option'; "
                       f"see 'fixproof {command} --help'\n")
    # After "--" an argument that looks like an option is an input.
    res = run("parse", "--", "--help")
    assert res.returncode == 3
    assert "'--help'" in res.err


def test_capture_options_in_every_form(tmp_path):
    """Each spelling of each `capture` option, on a command that echoes."""
    def capture(*args):
        res = run("capture", *args, "--", "sh", "-c", "echo said-by-the-command", cwd=tmp_path)
        assert res.returncode == 0, (args, res)
        return res, json.loads((tmp_path / res.out.strip() / "provenance.json").read_text())

    for n, spelt in enumerate(forms("output", "o", str(tmp_path / "d"))):
        spelt[-1] += str(n)
        res, prov = capture(*spelt)
        assert res.out == f"{tmp_path}/d{n}\n"
    for n, spelt in enumerate(forms("label", None, "nightly")):
        assert capture("-o", f"l{n}", *spelt)[1]["label"] == "nightly", spelt
    for n, spelt in enumerate(forms("timeout", None, "30")):
        assert capture("-o", f"t{n}", *spelt)[1]["timeout"] == 30, spelt
    for n, spelt in enumerate(forms("quiet", "q", None)):
        res, _ = capture("-o", f"q{n}", *spelt)
        assert "said-by-the-command" not in res.err, spelt
    assert "said-by-the-command" in capture("-o", "loud")[0].err
    (tmp_path / "reports").mkdir()
    for n, spelt in enumerate(forms("junit", None, "reports")):
        res, _ = capture("-o", f"j{n}", *spelt)
    # The command's own options are its own, even the ones capture has.
    res = run("capture", "-o", tmp_path / "own", "sh", "-c", "echo $0", "-q", cwd=tmp_path)
    assert res.returncode == 0, res
    assert "-q" in res.err
