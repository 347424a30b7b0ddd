"""The Makefile, run in a copy of the tree.

`dpkg-query`, `apt-get` and `id` are replaced by shell scripts on PATH that
keep the installed packages in a file and record every apt-get call, so the
set-up can be checked as on a fresh Debian machine without touching this one;
the compiler, pkg-config and the libraries are the real ones. The copy is
built for real once (with Debian's hardening flags) for the tests that look
at what a build does; the others ask make what it would run (`make -n`, which
still makes build/config.mk and build/config-test.mk for real).
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, sanitized

pytestmark = pytest.mark.skipif(sanitized(), reason="does not run fixproof; checked once in "
                                "the plain e2e run")

# What a build needs from the tree (no build/, no .git).
TREE = ["Makefile", "src", "include", "templates", "samples", "tests/unit", "tests/fuzz"]
# What Debian 12's `DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags` gives,
# less the path-dependent -ffile-prefix-map.
HARDENING = {"CFLAGS": "-g -O2 -fstack-protector-strong -Wformat -Werror=format-security",
             "CPPFLAGS": "-Wdate-time -D_FORTIFY_SOURCE=2",
             "LDFLAGS": "-Wl,-z,relro -Wl,-z,now"}
# Variables of the calling make or shell that would change what make does here.
UNSET = ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CFLAGS", "CPPFLAGS", "LDFLAGS",
         "SANITIZE", "V", "BUILD", "CC", "WERROR"]

FAKE_DPKG_QUERY = """#!/bin/sh
# dpkg-query -W -f=FORMAT PACKAGE: installed when PACKAGE is a line of $FAKE/installed.
for p; do last=$p; done
if grep -qx -- "$last" "$FAKE/installed"; then echo 'install ok installed'; exit 0; fi
echo "dpkg-query: no packages found matching $last" >&2
exit 1
"""
FAKE_APT_GET = """#!/bin/sh
# Records the call; `update` fills the lists, `install` needs them (as apt does).
echo "$*" >> "$FAKE/apt-calls"
case " $* " in
*" update "*) touch "$FAKE/lists"; exit 0 ;;
*" install "*)
  [ -e "$FAKE/lists" ] || { echo 'E: Unable to locate package' >&2; exit 100; }
  for p; do case $p in -*|install) ;; *) echo "$p" >> "$FAKE/installed" ;; esac; done
  exit 0 ;;
esac
exit 1
"""
FAKE_ID = """#!/bin/sh
# id -u answers $FAKE/uid; anything else is the real id.
if [ "$*" = -u ]; then cat "$FAKE/uid"; exit 0; fi
exec /usr/bin/id "$@"
"""


def makefile_list(name):
    """The words of `NAME := ...` in the Makefile, continuation lines joined."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    found = re.search(rf"^{name} :=(.*)$", text, re.M)
    assert found, f"no {name} in the Makefile"
    return found.group(1).split()


BUILD_DEBS = makefile_list("BUILD_DEBS")
TEST_DEBS = makefile_list("TEST_DEBS")


class Machine:
    """A copy of the tree on a pretend Debian machine: which packages are
    installed, whether the apt lists are filled, and the user's id."""

    def __init__(self, base, installed=(), lists=True, uid=0):
        self.tree = base / "tree"
        self.fake = base / "fake"
        for part in TREE:
            src, dst = ROOT / part, self.tree / part
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
        bin_dir = self.fake / "bin"
        bin_dir.mkdir(parents=True)
        for name, text in [("dpkg-query", FAKE_DPKG_QUERY), ("apt-get", FAKE_APT_GET),
                           ("id", FAKE_ID)]:
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
        (self.fake / "installed").write_text("".join(p + "\n" for p in installed))
        (self.fake / "apt-calls").write_text("")
        if lists:
            (self.fake / "lists").touch()
        self.set_uid(uid)

    def set_uid(self, uid):
        (self.fake / "uid").write_text(f"{uid}\n")

    def make(self, *args, env=None, timeout=900):
        full_env = {k: v for k, v in os.environ.items() if k not in UNSET}
        full_env.update(PATH=f"{self.fake / 'bin'}:{os.environ['PATH']}", FAKE=str(self.fake),
                        LC_ALL="C")
        full_env.update(env or {})
        return subprocess.run(["make", *args], cwd=self.tree, env=full_env, capture_output=True,
                              text=True, timeout=timeout)

    def apt_calls(self):
        """Each apt-get call as (verb, packages)."""
        calls = []
        for line in (self.fake / "apt-calls").read_text().splitlines():
            words = line.split()
            verb = next(w for w in words if not w.startswith("-"))
            calls.append((verb, [w for w in words if not w.startswith("-") and w != verb]))
        return calls

    def take_apt_calls(self):
        calls = self.apt_calls()
        (self.fake / "apt-calls").write_text("")
        return calls


def shown(proc):
    return f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def compiled_objects(proc):
    """The objects a `make -n V=1` run would compile, as their source names."""
    return sorted(set(re.findall(r" -o build/obj/([\w-]+)\.o ", proc.stdout)))


# ---- packages: any order of goals installs what each needs ----

@pytest.mark.parametrize("first,then", [("demo", "check"), ("all", "unit"), ("demo", "e2e"),
                                        ("all", "leakcheck"), ("install", "asan")])
def test_a_test_goal_after_a_build_goal_installs_the_test_packages(tmp_path, first, then):
    # A fresh container: nothing installed, empty apt lists.
    machine = Machine(tmp_path, lists=False)
    proc = machine.make("-n", first)
    assert proc.returncode == 0, shown(proc)
    assert machine.take_apt_calls() == [("install", BUILD_DEBS), ("update", []),
                                        ("install", BUILD_DEBS)]
    proc = machine.make("-n", then)
    assert proc.returncode == 0, shown(proc)
    assert machine.take_apt_calls() == [("install", TEST_DEBS)]
    config = (machine.tree / "build" / "config-test.mk").read_text()
    assert re.fullmatch(r"TEST_LIBS := .*-lcmocka.*\n", config), config
    # Once everything is there, nothing more is asked for.
    proc = machine.make("-n", then)
    assert proc.returncode == 0, shown(proc)
    assert machine.take_apt_calls() == []


def test_a_fresh_make_check_installs_everything_with_one_command(tmp_path):
    machine = Machine(tmp_path)
    proc = machine.make("-n", "check")
    assert proc.returncode == 0, shown(proc)
    assert machine.apt_calls() == [("install", BUILD_DEBS + TEST_DEBS)]


def test_a_user_who_is_not_root_is_given_the_apt_command(tmp_path):
    machine = Machine(tmp_path, installed=BUILD_DEBS, uid=1000)
    proc = machine.make("-n", "demo")
    assert proc.returncode == 0, shown(proc)
    proc = machine.make("unit")
    assert proc.returncode != 0, shown(proc)
    assert ("fixproof: missing Debian packages; run: sudo apt-get update && "
            f"sudo apt-get install -y {' '.join(TEST_DEBS)}\n") in proc.stderr, shown(proc)
    assert machine.apt_calls() == []
    # It stops there: nothing is compiled without the packages.
    assert not (machine.tree / "build" / "obj").exists(), shown(proc)
    assert " CC " not in proc.stdout, shown(proc)


# ---- a real build, with Debian's hardening flags ----

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    machine = Machine(tmp_path_factory.mktemp("built"), installed=BUILD_DEBS + TEST_DEBS)
    proc = machine.make("-j2", "V=1", "demo", env=HARDENING)
    assert proc.returncode == 0, shown(proc)
    return machine, proc


def test_hardening_flags_reach_the_compiler_and_the_binary(built):
    machine, proc = built
    program = machine.tree / "build" / "fixproof"
    compiles = [line for line in proc.stdout.splitlines() if " -c -o build/obj/" in line]
    assert compiles, shown(proc)
    for line in compiles:
        # Added to, not replaced: the project's own flags are still there.
        assert HARDENING["CFLAGS"] in line and HARDENING["CPPFLAGS"] in line, line
        assert "-Iinclude" in line and "-Werror" in line and "-MMD -MP" in line, line
    links = [line for line in proc.stdout.splitlines() if " -o build/fixproof " in line]
    assert len(links) == 1 and HARDENING["LDFLAGS"] in links[0], shown(proc)
    # And they did what they are for: -z now, stack protector, fortified calls.
    dynamic = subprocess.run(["readelf", "-d", program], capture_output=True, text=True).stdout
    assert re.search(r"\(FLAGS(_1)?\).*\bNOW\b", dynamic), dynamic
    symbols = subprocess.run(["nm", "-D", program], capture_output=True, text=True).stdout
    assert "__stack_chk_fail" in symbols
    assert re.search(r"\b__\w+_chk\b", symbols.replace("__stack_chk_fail", "")), symbols
    # The hardened build is the tool: the demo rendered its report.
    assert "Markdown: build/demo/report.md" in proc.stdout, shown(proc)


@pytest.mark.parametrize("var,value,where", [
    ("CFLAGS", "-O0 -g3", " -c -o build/obj/buf.o "),
    ("CPPFLAGS", "-DFP_SET_BY_THE_USER=1", " -c -o build/obj/buf.o "),
    ("LDFLAGS", "-Wl,--as-needed", " -o build/fixproof "),
])
@pytest.mark.parametrize("how", ["environment", "command line"])
def test_build_flags_from_the_user_reach_the_command_lines(built, var, value, where, how):
    machine, _ = built
    # -W: as if buf.c and main.c had changed, so both are compiled and the program linked.
    args = ["-n", "V=1", "-W", "src/buf.c", "-W", "src/main.c"]
    proc = machine.make(*args, env={var: value}) if how == "environment" else \
        machine.make(*args, f"{var}={value}")
    assert proc.returncode == 0, shown(proc)
    lines = [line for line in proc.stdout.splitlines() if where in line]
    assert len(lines) == 1, shown(proc)
    line = lines[0]
    assert value in line, line
    if var == "LDFLAGS":
        assert line.endswith(" -lm"), line
    else:
        assert "-Iinclude" in line and "-DFIXPROOF_VERSION=" in line and "-Werror" in line, line
    if var == "CFLAGS":
        assert " -O2 " not in line, line


# ---- header dependencies ----

def includers(header):
    """The sources under src/ that include `header`, directly or through other headers."""
    name = pathlib.Path(header).name
    quoted = re.compile(r'^\s*#\s*include\s+"(?:fixproof/)?([^"]+)"', re.M)
    files = list((ROOT / "src").glob("*.[ch]")) + list((ROOT / "include" / "fixproof").glob("*.h"))
    includes = {f.name: set(quoted.findall(f.read_text())) for f in files}
    reach, grew = {name}, True
    while grew:
        more = {f for f, inc in includes.items() if inc & reach} - reach
        reach |= more
        grew = bool(more)
    return sorted(f[:-2] for f in reach if f.endswith(".c"))


@pytest.mark.parametrize("header", ["src/cli_args.h", "include/fixproof/embedded.h",
                                    "include/fixproof/buf.h"])
def test_changing_a_header_rebuilds_the_objects_that_include_it(built, header):
    machine, _ = built
    proc = machine.make("-n", "V=1")
    assert proc.returncode == 0 and compiled_objects(proc) == [], shown(proc)
    newest = max(p.stat().st_mtime for p in (machine.tree / "build" / "obj").glob("*.o"))
    path = machine.tree / header
    before = path.stat().st_mtime
    os.utime(path, (newest + 5, newest + 5))
    try:
        proc = machine.make("-n", "V=1")
    finally:
        os.utime(path, (before, before))
    assert proc.returncode == 0, shown(proc)
    users = includers(header)
    assert users, f"nothing includes {header}"
    assert compiled_objects(proc) == sorted(users + (["embedded"] if "embedded.h" in header
                                                     else [])), shown(proc)


# ---- the embedded files ----

def old_recipe_output(paths):
    """What the Makefile's recipe wrote before src/embed.sh: one byte array per
    file in od's lines of 16, then the table."""
    lines = ["/* Generated by the Makefile from templates/ and src/default-rules.json. */",
             "#include <stddef.h>", '#include "fixproof/embedded.h"']
    names = [re.sub(r"[^A-Za-z0-9]", "_", p) for p in paths]
    for path, name in zip(paths, names):
        data = (ROOT / path).read_bytes()
        lines.append(f"static const unsigned char {name}[] = {{")
        lines += ["".join(f"0x{b:02x}," for b in data[i:i + 16]) for i in range(0, len(data), 16)]
        lines.append("0};")
    lines.append("const fp_embedded_file fp_embedded_files[] = {")
    lines += [f'  {{"{p}", (const char *){n}, sizeof({n}) - 1}},' for p, n in zip(paths, names)]
    lines.append("  {NULL, NULL, 0}};")
    return "\n".join(lines) + "\n"


def test_embed_sh_writes_what_the_old_recipe_wrote(built):
    paths = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").glob("*.mustache"))
    paths.append("src/default-rules.json")
    proc = subprocess.run(["sh", "src/embed.sh", *paths], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == old_recipe_output(paths)
    machine, _ = built
    assert (machine.tree / "build" / "gen" / "embedded.c").read_text() == proc.stdout


def test_embed_sh_refuses_a_missing_file(tmp_path):
    proc = subprocess.run(["sh", str(ROOT / "src" / "embed.sh"), "templates/none.mustache"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr == "embed.sh: cannot read 'templates/none.mustache'\n"


def test_the_readme_names_every_package_the_makefile_installs():
    text = (ROOT / "README.md").read_text()
    setup = text[text.index("## Set-up"):text.index("\n## ", text.index("## Set-up") + 1)]
    words = set(re.findall(r"[\w.+-]+", setup))
    assert [p for p in BUILD_DEBS + TEST_DEBS if p not in words] == []
