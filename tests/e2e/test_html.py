"""`fixproof report --format html`: the page a reader opens or prints.

The page has a verdict banner in words and colour, the executive report's
Mermaid pies drawn as inline SVG with the same figures, test ids that wrap
between their parts, tables as wide as the page and print rules. The SVG
and the page structure are checked with lxml; when Debian's `chromium` is
installed, the page is also drawn by it and the screenshot is checked for
the banner's and the chart's colours (chromium is not a dependency of the
project: without it that test says SKIPPED loudly). Likewise Mermaid's own
parser reads the executive's blocks when FIXPROOF_MERMAID_MODULES names a
node_modules that has it.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest
from lxml import etree, html

from conftest import ROOT, run

SVG = "{http://www.w3.org/2000/svg}"
PAIRS = {
    "regressed": ["--before", "samples/before", "--after", "samples/regressed"],
    "resolved": ["--before", "samples/before", "--after", "samples/resolved",
                 "--target", "TestConcurrentUsers", "--target", "test_concurrent_login"],
    "skipped-away": ["--before", "samples/before", "--after", "samples/skipped"],
}
VERDICTS = {"regressed": "regressed", "resolved": "resolved", "skipped-away": "unresolved"}
LABELS = {"Passed": "passed", "Infrastructure failures": "infrastructure",
          "Business-logic failures": "business_logic", "Skipped": "skipped",
          "Not run": "not_run"}


def report(*args):
    res = run("report", *args, cwd=ROOT)
    assert res.returncode == 0, res
    return res


def page(name, template):
    return report(*PAIRS[name], "--template", template, "--format", "html").out


@pytest.mark.parametrize("name", PAIRS)
def test_the_executive_chart_is_inline_svg_with_the_same_figures(samples, name):
    text = page(name, "executive")
    view = report(*PAIRS[name], "--format", "view").json()
    # The page is well-formed XML: the SVG is read in its own namespace.
    doc = etree.fromstring(text.split("\n", 1)[1].encode())  # past <!DOCTYPE html>
    assert doc.findall(".//script") == [] and doc.findall(".//pre") == []
    figures = doc.xpath("//figure[@class='chart']")
    assert len(figures) == 2
    for figure, side, word in zip(figures, ("before", "after"), ("Before", "After")):
        svg = figure.find(f"{SVG}svg")
        assert svg is not None and svg.get("role") == "img"
        title = f"{word} the fix: {view[side]['tests']} tests"
        assert svg.findtext(f"{SVG}title").startswith(title + ". ")
        # The legend says every slice that is not 0, with the view's figure.
        legend = [t.xpath("string()") for t in svg.findall(f"{SVG}text")]
        assert legend[0] == title
        shown = {}
        for line in legend[1:]:
            label, count = line.rsplit(": ", 1)
            shown[LABELS[label]] = int(count)
        assert shown == {k: view[side][k] for k in LABELS.values() if view[side][k]}
        # The aria-label says the same in words, and each slice is drawn.
        for label, key in LABELS.items():
            assert (f"{label}: {view[side][key]}" in svg.get("aria-label")) == (key in shown)
        assert len(svg.findall(f"{SVG}path")) + len(svg.findall(f"{SVG}circle")) == len(shown)


@pytest.mark.parametrize("template", ["proof", "pr-summary", "executive"])
@pytest.mark.parametrize("name", PAIRS)
def test_the_verdict_banner_says_the_verdict_in_words(samples, name, template):
    doc = html.fromstring(page(name, template))
    banners = doc.xpath("//div[contains(concat(' ', @class, ' '), ' verdict ')]")
    assert len(banners) == 1
    banner = banners[0]
    verdict = VERDICTS[name]
    assert banner.get("class") == f"verdict verdict-{verdict}"
    assert banner.findtext("strong") == f"Verdict: {verdict.capitalize()}"
    words = banner.text_content()
    assert len(re.findall(r"[a-z]{3,}", words)) >= 4, words  # a sentence, not a symbol
    # It comes right under the report's heading.
    heading = doc.xpath("//main/*[1]")[0]
    assert heading.tag in ("h1", "h2", "h3") and heading.getnext() is banner


def test_ids_wrap_between_their_parts_and_copy_whole(samples):
    text = page("regressed", "proof")
    doc = html.fromstring(text)
    ident = "tests/test_inventory.py::TestInventory::TestReservations::test_reserve_reduces_stock"
    codes = [c for c in doc.iter("code") if c.text_content() == ident]
    assert codes, "the regressed test's id is shown as code"
    raw = etree.tostring(codes[0], encoding="unicode", with_tail=False)
    assert raw == ("<code>tests/<wbr/>test_inventory.<wbr/>py::<wbr/>TestInventory::<wbr/>"
                   "TestReservations::<wbr/>test_reserve_reduces_stock</code>")
    # No break inside a name: every <wbr> follows "::", "/" or ".".
    for code in doc.iter("code"):
        for wbr in code.iter("wbr"):
            before = (wbr.getprevious().tail if wbr.getprevious() is not None else code.text) or ""
            assert before.endswith(("::", "/", ".")), before
    # Evidence is not an id: a number in it does not wrap at its decimal point.
    evidence = [c for c in doc.iter("code") if c.text_content().startswith("AssertionError")]
    assert evidence and all(not list(c.iter("wbr")) for c in evidence)


def test_numbers_are_right_aligned(samples):
    doc = html.fromstring(page("regressed", "proof"))
    style = doc.findtext(".//style")
    # GFM marks a right-aligned column with align="right"; the page's own
    # left alignment of cells must not override it.
    assert "td[align=right]{text-align:right}" in style.replace("th[align=right],", "")
    assert doc.xpath('//td[@align="right"]')


def test_tables_use_the_page_width_and_the_page_prints(samples):
    text = page("regressed", "proof")
    style = html.fromstring(text).findtext(".//style")
    rule = re.search(r"(?:^|\})table\{[^}]*\}", style, re.M)
    assert rule and "width:100%" in rule.group(0) and "display:block" not in rule.group(0)
    assert "@media print{" in style
    printed = style[style.index("@media print{"):]
    assert "print-color-adjust:exact" in printed and "break-inside:avoid" in printed


# ---- drawn by chromium ----

def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if color == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def hexrgb(s):
    return tuple(int(s[i:i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("name", ["regressed", "resolved"])
def test_chromium_draws_the_banner_and_the_chart(samples, name, tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        print("\n*** SKIPPED: chromium is not installed (apt-get install -y chromium); "
              "the page was checked with lxml only ***")
        pytest.skip("chromium is not installed")
    path = tmp_path / "report.html"
    path.write_text(page(name, "executive"))
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=900,900", path.as_uri()],
                   capture_output=True, timeout=120, check=True)
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (900, 900)
    seen = {}
    for row in rows:
        for px in row:
            seen[px] = seen.get(px, 0) + 1
    banner = {"regressed": "#ffebe9", "resolved": "#dafbe1"}[name]
    assert seen.get(hexrgb(banner), 0) > 5000, "the banner is drawn in its colour"
    # The "Passed" slices, in their green, cover thousands of pixels.
    assert seen.get(hexrgb("#1a7f37"), 0) > 5000, "the pies are drawn"


# ---- the Mermaid, read by Mermaid's own parser ----

def test_mermaid_blocks_parse_with_mermaids_own_parser(samples, tmp_path):
    """Mermaid's grammar (the npm package @mermaid-js/parser, which mermaid
    itself uses for pies) reads each block with the figures fixproof wrote.
    Not a dependency of the project: set FIXPROOF_MERMAID_MODULES to a
    node_modules directory holding it (`npm install @mermaid-js/parser`)."""
    modules = os.environ.get("FIXPROOF_MERMAID_MODULES")
    node = shutil.which("node")
    if not modules or not node:
        print("\n*** SKIPPED: set FIXPROOF_MERMAID_MODULES to a node_modules with "
              "@mermaid-js/parser (and install node) to check the Mermaid grammar ***")
        pytest.skip("no @mermaid-js/parser")
    markdown = report(*PAIRS["regressed"], "--template", "executive").out
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.S | re.M)
    assert len(blocks) == 2
    script = tmp_path / "check.mjs"
    script.write_text(
        "import { parse } from '@mermaid-js/parser';\n"
        "import fs from 'fs';\n"
        "const text = fs.readFileSync(0, 'utf8');\n"
        "// Mermaid takes %%{init}%% directives out before its grammar sees the text.\n"
        "const body = text.split('\\n').filter(l => !l.startsWith('%%{')).join('\\n');\n"
        "const ast = await parse('pie', body);\n"
        "console.log(JSON.stringify({title: ast.title, showData: ast.showData,\n"
        "  sections: ast.sections.map(s => [s.label, s.value])}));\n")
    (tmp_path / "node_modules").symlink_to(modules)
    for block in blocks:
        out = subprocess.run([node, str(script)], input=block, capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        ast = json.loads(out.stdout)
        assert ast["showData"] is True
        assert ast["title"] == re.search(r"title (.*)", block)[1]
        assert ast["sections"] == [[l, int(n)] for l, n in re.findall(r'"([^"]+)" : (\d+)', block)]
