#!/bin/sh
# Writes tests/data/verdicts/jest/: real jest 30 + jest-junit 17 runs of a
# small package whose test suite src/cart.test.js fails to load before the
# fix (it requires ./rates, which does not exist yet).
#
# usage: tests/data/verdicts/make-jest.sh    (needs node, npm and the npm registry)
#
# States (projects/jest/): base (before), fixed (rates.js right: the suite
# passes) and buggy (rates.js with the bug the missing module hid: one test
# fails on an assertion). Each is run under four jest-junit configurations,
# since what jest-junit writes for a suite that failed to load depends on them:
#   default       the suite is left out of junit.xml entirely
#   file-attr     JEST_JUNIT_REPORT_TEST_SUITE_ERRORS + JEST_JUNIT_ADD_FILE_ATTRIBUTE
#   suite-path    JEST_JUNIT_REPORT_TEST_SUITE_ERRORS + JEST_JUNIT_SUITE_NAME={filepath}
#   suite-errors  JEST_JUNIT_REPORT_TEST_SUITE_ERRORS alone (suites named by describe)
# Output: jest/<configuration>/<state>.xml, with the temporary directory's path
# shown as /home/dev/cart.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tools"
(cd "$tmp/tools" && npm init -y >/dev/null &&
	npm install --no-audit --no-fund --silent jest@30 jest-junit@17 >/dev/null)
for state in base fixed buggy; do
	for conf in default file-attr suite-path suite-errors; do
		work="$tmp/cart"
		rm -rf "$work"
		mkdir -p "$work"
		cp -R "$here/projects/jest/base/." "$work/"
		[ "$state" = base ] || cp -R "$here/projects/jest/$state/." "$work/"
		ln -s "$tmp/tools/node_modules" "$work/node_modules"
		out="$here/jest/$conf"
		mkdir -p "$out"
		case $conf in
		default) set -- ;;
		file-attr) set -- JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true JEST_JUNIT_ADD_FILE_ATTRIBUTE=true ;;
		suite-path) set -- JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true 'JEST_JUNIT_SUITE_NAME={filepath}' ;;
		suite-errors) set -- JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true ;;
		esac
		# jest exits 1 when a test fails or a suite cannot run: expected here.
		(cd "$work" && env "$@" JEST_JUNIT_OUTPUT_DIR="$work" JEST_JUNIT_OUTPUT_NAME=junit.xml \
			CI=true node node_modules/jest/bin/jest.js --ci --reporters=default \
			--reporters=jest-junit >/dev/null 2>&1) || true
		name=$([ "$state" = base ] && echo before || echo "$state")
		sed "s|$work|/home/dev/cart|g" "$work/junit.xml" > "$out/$name.xml"
		echo "wrote jest/$conf/$name.xml"
	done
done
