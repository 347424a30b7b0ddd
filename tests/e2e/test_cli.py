"""The command line as a whole: help on every command, exit statuses, errors that name
their file, make install."""
import json
import os
import shutil
import stat
import subprocess

import pytest

from conftest import ROOT, SAMPLES, run

COMMANDS = ["parse", "diff", "report", "post", "rules"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    for flag in ("--help", "-h"):
        res = run(command, flag)
        assert res.returncode == 0, res
        assert res.out.startswith(f"usage: fixproof {command}")
        assert res.err == ""


def test_top_level_help_version_and_usage():
    res = run("--help")
    assert res.returncode == 0
    for command in COMMANDS:
        assert f"\n  {command} " in res.out
    assert run("--version").out.startswith("fixproof 0.1.0\nlibxml2 ")
    res = run()
    assert res.returncode == 2 and res.out == ""
    assert res.err.startswith("usage: fixproof COMMAND")
    res = run("frobnicate")
    assert res.returncode == 2
    assert res.err == "fixproof: unknown command 'frobnicate'; see 'fixproof --help'\n"


def test_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.xml"
    res = run("parse", missing)
    assert res.returncode == 3 and res.out == ""
    assert res.err == f"fixproof: cannot open '{missing}': No such file or directory\n"
    blank = tmp_path / "blank.xml"
    blank.write_bytes(b"\n  \n")
    res = run("parse", blank)
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot parse '{blank}': it holds only white space\n"
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 64)
    res = run("parse", garbage)
    assert res.returncode == 3
    assert res.err.startswith(f"fixproof: cannot parse '{garbage}'")
    assert res.err.count("\n") == 1


def test_unknown_option_is_a_usage_error():
    res = run("parse", "--frob", "x.xml")
    assert res.returncode == 2
    assert res.err == "fixproof: parse: unknown option '--frob'; see 'fixproof parse --help'\n"


def test_empty_directory_is_an_error(tmp_path):
    res = run("parse", tmp_path)
    assert res.returncode == 3
    assert res.err == f"fixproof: no result files in directory '{tmp_path}'\n"


def test_progress_is_shown_on_request(samples):
    res = run("diff", "--before", SAMPLES / "before", "--after", SAMPLES / "after",
              env={"FIXPROOF_PROGRESS": "1"})
    assert res.returncode == 0
    assert "fixproof: reading the run before the fix (1 input)" in res.err
    assert "fixproof: reading the run after the fix (1 input)" in res.err
    quiet = run("diff", "-q", "--before", SAMPLES / "before", "--after", SAMPLES / "after",
                env={"FIXPROOF_PROGRESS": "1"})
    assert quiet.err == ""


@pytest.mark.skipif(not shutil.which("make"), reason="make is absent")
def test_make_install_puts_the_binary_and_man_page_under_destdir(tmp_path):
    binary = os.environ.get("FIXPROOF", str(ROOT / "build" / "fixproof"))
    build = os.path.dirname(binary)
    proc = subprocess.run(["make", "-s", "-C", str(ROOT), f"BUILD={build}", "install",
                           f"DESTDIR={tmp_path}", "PREFIX=/opt/fp"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    installed = tmp_path / "opt" / "fp" / "bin" / "fixproof"
    assert os.access(installed, os.X_OK)
    assert (tmp_path / "opt" / "fp" / "share" / "man" / "man1" / "fixproof.1").read_bytes() \
        == (ROOT / "src" / "fixproof.1").read_bytes()
    assert subprocess.run([str(installed), "--version"], capture_output=True,
                          text=True).stdout.startswith("fixproof 0.1.0\n")


# ---- output files and the step summary (issue 14 items 3, 4 and 7) ----

def parse_to(out, mask):
    return run("parse", SAMPLES / "before", "-o", out, preexec_fn=lambda: os.umask(mask))


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_output_file_follows_the_umask(samples, tmp_path, mask, mode):
    out = tmp_path / "run.json"
    res = parse_to(out, mask)
    assert res.returncode == 0, res
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_replaced_output_file_keeps_its_mode(samples, tmp_path, mode):
    out = tmp_path / "run.json"
    out.write_text("old\n")
    out.chmod(mode)
    res = parse_to(out, 0o077 if mode & 0o044 else 0o022)
    assert res.returncode == 0, res
    assert json.loads(out.read_text())["summary"]["tests"] > 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_step_summary_failures_name_the_variable(samples, tmp_path):
    sides = ["--before", SAMPLES / "before", "--after", SAMPLES / "after"]
    res = run("report", *sides, "--step-summary", "-o", os.devnull,
              env={"GITHUB_STEP_SUMMARY": "/dev/full"})
    assert res.returncode == 3
    assert res.err == ("fixproof: cannot write $GITHUB_STEP_SUMMARY '/dev/full': "
                       "No space left on device\n")
    res = run("report", *sides, "--step-summary", "-o", os.devnull,
              env={"GITHUB_STEP_SUMMARY": str(tmp_path)})
    assert res.returncode == 3
    assert res.err == f"fixproof: cannot write $GITHUB_STEP_SUMMARY '{tmp_path}': Is a directory\n"


@pytest.mark.parametrize("args", [["parse", "-", "-"], ["diff", "--before", "-", "--after", "-"],
                                  ["report", "--before", "-", "x.xml", "-", "--after", "y.xml"]])
def test_standard_input_given_twice_is_a_usage_error(args):
    res = run(*args, stdin=b'<testsuite name="s" tests="1"><testcase name="t"/></testsuite>')
    assert res.returncode == 2, res
    assert res.out == ""
    assert res.err == (f"fixproof: {args[0]}: standard input (-) is given 2 times; "
                       "it can be read only once\n")
