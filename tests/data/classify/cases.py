"""Writes cases.json: every failed or errored testcase of the JUnit files in
this folder, with the fields the JUnit reader fills in (fp_test): status,
phase, the type attribute, the message attribute (or the text's first line
when there is none) and the text as the trace. test_classify.c classifies
them and compares with what a person reading each trace says.

Run by make.sh after the pytest outputs are made; python3-lxml only."""
import json
import pathlib
import sys

from lxml import etree

HERE = pathlib.Path(__file__).resolve().parent


def phase_of(tag, message):
    if tag == "error" and message == "collection failure":
        return "collection"
    if tag == "error" and message.startswith("failed on setup with "):
        return "setup"
    if tag == "error" and message.startswith("failed on teardown with "):
        return "teardown"
    return "call"


def cases(path):
    for case in etree.parse(str(path)).iter("testcase"):
        results = [r for r in case if r.tag in ("failure", "error")]
        if not results:
            continue
        # The worst result wins, as in the run model: error > failure.
        r = sorted(results, key=lambda e: e.tag != "error")[0]
        text = r.text or ""
        message = r.get("message")
        if message is None:
            message = text.strip().split("\n", 1)[0] if text.strip() else None
        yield {
            "input": path.name,
            "classname": case.get("classname", ""),
            "name": case.get("name", ""),
            "status": "error" if r.tag == "error" else "failed",
            "phase": phase_of(r.tag, message or ""),
            "type": r.get("type"),
            "message": message,
            "trace": text or None,
        }


def main():
    out = [c for p in sorted(HERE.glob("*.xml")) for c in cases(p)]
    (HERE / "cases.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {HERE / 'cases.json'} ({len(out)} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
