"""The man page (src/fixproof.1) and `fixproof --version`.

The page must render without a warning, name every command `fixproof --help`
lists, every option any command's `--help` lists, and every environment
variable the source reads (test_cli.py checks that `make install` installs it).
"""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run

MAN = ROOT / "src" / "fixproof.1"


def man_text():
    # The source with groff's escaped hyphens as plain ones: "\-\-before".
    return MAN.read_text().replace("\\-", "-")


def commands():
    res = run("--help")
    assert res.returncode == 0, res
    block = res.out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in block.splitlines() if line.strip()]
    assert "parse" in names and "report" in names
    return names


def options_of(command):
    res = run(command, "--help")
    assert res.returncode == 0, res
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", res.out))
    opts |= set(re.findall(r"(?<![\w-])(-[a-zA-Z])\b", res.out))
    return opts


def test_man_renders_without_warnings():
    groff = shutil.which("groff")
    assert groff, "groff is missing (Debian: groff-base)"
    proc = subprocess.run([groff, "-ww", "-rCHECKSTYLE=3", "-man", "-Tutf8", str(MAN)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "fixproof annotate" in proc.stdout


def test_man_names_every_command():
    text = man_text()
    for name in commands():
        assert re.search(rf"^\.SS \"fixproof {name}\b", text, re.M), name


@pytest.mark.parametrize("command", ["parse", "diff", "report", "annotate", "post", "rules"])
def test_man_names_every_option_of(command):
    assert command in commands()
    text = man_text()
    missing = sorted(o for o in options_of(command) if not re.search(rf"(?<![\w-]){o}\b", text))
    assert missing == [], f"{command}: {missing}"


def test_man_names_every_option_of_every_listed_command():
    # Commands other helpers add are held to the same rule.
    text = man_text()
    for name in commands():
        missing = sorted(o for o in options_of(name) if not re.search(rf"(?<![\w-]){o}\b", text))
        assert missing == [], f"{name}: {missing}"


def test_man_names_every_environment_variable_the_source_reads():
    names = set()
    for path in (ROOT / "src").glob("*.c"):
        names |= set(re.findall(r'\b\w*env\w*\("([A-Z][A-Z0-9_]+)"',
                                path.read_text()))
    assert {"FIXPROOF_RETRY_BASE_MS", "FIXPROOF_PROGRESS", "FIXPROOF_FIFO_WAIT"} <= names
    section = man_text().split(".SH ENVIRONMENT", 1)[1].split(".SH ", 1)[0]
    missing = sorted(n for n in names if not re.search(rf"^\.BR? .*\b{n}\b", section, re.M))
    assert missing == []


def test_man_states_every_exit_status():
    text = man_text()
    section = text.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
    for status in ("0", "1", "2", "3", "4", "70", "130"):
        assert f".B {status}\n" in section, status


def dpkg_version(package):
    if not shutil.which("dpkg-query"):
        return None
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                          capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def test_version_names_the_libraries_it_runs_with():
    res = run("--version")
    assert res.returncode == 0, res
    lines = res.out.splitlines()
    assert lines[0] == "fixproof 0.1.0"
    libs = dict(line.split(" ", 1) for line in lines[1:])
    assert set(libs) == {"libxml2", "cJSON", "cmark-gfm", "libcurl"}
    for name, value in libs.items():
        assert re.match(r"\d+\.\d+", value), (name, value)
    # On Debian, the versions are the installed packages'.
    for lib, package in (("libxml2", "libxml2"), ("cJSON", "libcjson1"), ("libcurl", "libcurl4")):
        installed = dpkg_version(package)
        if installed:
            assert installed.startswith(libs[lib].split(" ")[0]), (lib, libs[lib], installed)
    # Debian names cmark-gfm's package after its version.
    if dpkg_version("libcmark-gfm-dev"):
        assert dpkg_version(f"libcmark-gfm{libs['cmark-gfm']}"), libs["cmark-gfm"]
