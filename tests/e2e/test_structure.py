"""The shape of the code, checked from the build and the sources.

- The object files of src/ call each other without a cycle: the graph is
  derived from `nm` (which object defines a symbol another one leaves
  undefined), so a new call that closes a loop fails here, naming the loop.
- No function in src/*.c is longer than 80 lines; flat data tables (an
  initialiser after '=') are not functions and are not counted.
- Nothing the project ships (src/, include/, templates/) cites a file
  outside its repository.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, binary, sanitized

pytestmark = pytest.mark.skipif(sanitized(), reason="reads the plain build's objects and sources; "
                                "checked once in the plain e2e run")

MAX_FUNCTION_LINES = 80


def objects_dir():
    """The objects the binary under test was linked from (build/obj, or
    the sanitizer build's)."""
    obj = pathlib.Path(binary()).resolve().parent / "obj"
    assert obj.is_dir(), f"no object files at {obj}; run 'make' first"
    return obj


def symbol_graph(obj_dir):
    """{module: set of modules whose symbols it uses}, from nm."""
    if shutil.which("nm") is None:
        pytest.fail("nm (binutils) is needed to derive the dependency graph")
    defined, used = {}, {}
    for obj in sorted(obj_dir.glob("*.o")):
        out = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
        mod = obj.stem
        defined[mod], used[mod] = set(), set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                used[mod].add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRVW":
                defined[mod].add(parts[2])
    owner = {sym: mod for mod, syms in defined.items() for sym in syms}
    return {mod: {owner[s] for s in syms if s in owner} - {mod} for mod, syms in used.items()}


def find_cycle(graph):
    """One cycle of `graph` as a list of modules (first repeated last), or None."""
    state = {}  # 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_structure_cycle_finder_reports_a_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_structure_object_files_have_no_dependency_cycle():
    obj = objects_dir()
    sources = {p.stem for p in (ROOT / "src").glob("*.c")}
    graph = symbol_graph(obj)
    graph = {m: deps & sources for m, deps in graph.items() if m in sources}
    missing = sources - set(graph)
    assert not missing, f"no object file for {sorted(missing)} in {obj}; rebuild"
    # The graph is real: the readers sit on the byte source, the client on its URLs.
    assert "source" in graph["parse_junit"] and "publish_url" in graph["publish_github"]
    cycle = find_cycle(graph)
    assert cycle is None, "dependency cycle among src objects: " + " -> ".join(cycle)


def _skip_literal(text, i):
    """Index just past the string or character literal that starts at i."""
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _skip_directive(text, i):
    """Index of the newline ending the preprocessor line at i (with continuations)."""
    while True:
        end = text.find("\n", i)
        if end < 0:
            return len(text)
        if text[end - 1] != "\\":
            return end
        i = end + 1


def top_level_blocks(text):
    """(header, first line, last line) of every brace block at file level.
    Comments, literals and preprocessor lines are skipped; the header is the
    text between the previous top-level ';' or '}' and the '{'."""
    blocks, depth, i, mark, start, header = [], 0, 0, 0, 0, ""
    while i < len(text):
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text[i] in "\"'":
            i = _skip_literal(text, i)
        elif text[i] == "#" and depth == 0 and (i == 0 or text[i - 1] == "\n"):
            i = mark = _skip_directive(text, i)
        else:
            c = text[i]
            if c == "{":
                if depth == 0:
                    start, header = i, text[mark:i]
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    first = text.count("\n", 0, start) + 1
                    blocks.append((header, first, text.count("\n", 0, i) + 1))
                    mark = i + 1
            elif c == ";" and depth == 0:
                mark = i + 1
            i += 1
    return blocks


def long_functions(text, limit=MAX_FUNCTION_LINES):
    """[(name, first line, lines)] of functions whose body spans over `limit` lines.
    A block whose header ends in ')' is a function; an initialiser ('= {')
    is a data table and a struct or enum is a type, neither counted."""
    found = []
    for header, first, last in top_level_blocks(text):
        head = re.sub(r"\s+", " ", header).strip()
        if not head.endswith(")") or "=" in head.split("(")[0]:
            continue
        name = re.search(r"(\w+)\s*\(", head)
        lines = last - first - 1  # between the braces' lines
        if lines > limit:
            found.append((name.group(1) if name else head, first, lines))
    return found


def test_structure_length_scanner_finds_a_long_function():
    body = "".join(f"\tx += {i}; /* {{ */\n" for i in range(81))
    text = ('static const char *t[] = {\n' + '"}",\n' * 100 + '};\n'
            '#define M(x) { x }\n'
            f'static int too_long(int x)\n{{\n{body}\treturn x;\n}}\n'
            'int short_one(void)\n{\n\treturn 0;\n}\n')
    assert long_functions(text) == [("too_long", 105, 82)]
    assert len(top_level_blocks(text)) == 3


def test_structure_no_function_in_src_over_80_lines():
    too_long, functions = [], 0
    for path in sorted((ROOT / "src").glob("*.c")):
        text = path.read_text(encoding="utf-8")
        functions += sum(1 for h, _, _ in top_level_blocks(text) if h.strip().endswith(")"))
        too_long += [f"{path.name}:{line} {name} ({n} lines)" for name, line, n in long_functions(text)]
    assert functions > 500, f"the scanner found only {functions} functions in src/"
    assert not too_long, "functions over 80 lines:\n" + "\n".join(too_long)


def test_structure_no_citation_of_files_outside_the_repository():
    outside = re.compile(r"DESIGN\.md|\.\./shared|/work/shared|STYLE\.md")
    hits = []
    for top in ("src", "include", "templates"):
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file():
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if outside.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "cites a file outside the repository:\n" + "\n".join(hits)


def _run_needing_shared(tmp_path, env_extra):
    """Runs, in a pytest of its own, a test that needs the shared folder,
    with FIXPROOF_SHARED naming a folder that does not exist."""
    test = tmp_path / "test_needs_shared.py"
    # The real conftest.py, beside a test that needs the shared folder.
    shutil.copy(ROOT / "tests" / "e2e" / "conftest.py", tmp_path / "conftest.py")
    test.write_text("from conftest import need_shared\n\n"
                    "def test_needs_it():\n"
                    "    need_shared('corpus', 'junit')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"FIXPROOF_SHARED": str(tmp_path / "no-such-folder"), **env_extra})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(test)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def test_structure_missing_shared_folder_fails_under_ci(tmp_path):
    proc = _run_needing_shared(tmp_path, {"CI": "true"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed" in proc.stdout
    assert "is absent (set FIXPROOF_SHARED to the shared folder), and CI is set" in proc.stdout


def test_structure_missing_shared_folder_skips_loudly_outside_ci(tmp_path):
    proc = _run_needing_shared(tmp_path, {})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout
    assert "*** SKIPPED 1 test(s): " in proc.stdout
    assert "no-such-folder/corpus/junit is absent" in proc.stdout
