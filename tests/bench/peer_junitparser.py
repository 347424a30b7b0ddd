#!/usr/bin/python3
"""The peer the benchmark compares with: python3-junitparser (Debian's
package) reading JUnit files the way a report tool does, every testcase
and its result, then printing the counts it found as JSON.

    peer_junitparser.py FILE_OR_DIR...
"""
import json
import os
import sys

from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite


def files(args):
    for arg in args:
        if os.path.isdir(arg):
            for name in sorted(os.listdir(arg)):
                if name.endswith(".xml"):
                    yield os.path.join(arg, name)
        else:
            yield arg


def main():
    counts = {"tests": 0, "failed": 0, "errors": 0, "skipped": 0}
    for path in files(sys.argv[1:]):
        xml = JUnitXml.fromfile(path)
        suites = [xml] if isinstance(xml, TestSuite) else list(xml)
        for suite in suites:
            for case in suite:
                counts["tests"] += 1
                kinds = {type(r) for r in case.result}
                if Error in kinds:
                    counts["errors"] += 1
                elif Failure in kinds:
                    counts["failed"] += 1
                elif Skipped in kinds:
                    counts["skipped"] += 1
    json.dump(counts, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
