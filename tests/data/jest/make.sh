#!/bin/sh
# Regenerates the real jest + jest-junit outputs in this folder.
#
#   sh tests/data/jest/make.sh NODE_MODULES
#
# NODE_MODULES is a node_modules folder with jest and jest-junit installed
# (npm install jest jest-junit, in a scratch directory: it is not kept
# here). The project under project/ is copied to /tmp/fixproof-jest (a
# fixed place, so paths in the output stay the same) and run twice with
# jest-junit's suite errors on and suites named by file path: with the
# file attribute (suite-errors.file.xml) and without it (suite-errors.xml),
# then once more after the fix, with the missing gateway module written
# (fixed.xml): a pair for a diff. Only timings, timestamps and the
# node_modules path in traces change between runs.
set -e
here=$(cd "$(dirname "$0")" && pwd)
modules=${1:?usage: make.sh NODE_MODULES}
work=/tmp/fixproof-jest
rm -rf "$work"
cp -r "$here/project" "$work"
ln -s "$(cd "$modules" && pwd)" "$work/node_modules"
cd "$work"
run() {
  JEST_JUNIT_OUTPUT_DIR="$work" JEST_JUNIT_OUTPUT_NAME="$1" \
  JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true JEST_JUNIT_SUITE_NAME="{filepath}" \
  JEST_JUNIT_CLASSNAME="{classname}" JEST_JUNIT_TITLE="{title}" \
  JEST_JUNIT_ADD_FILE_ATTRIBUTE="$2" \
    node node_modules/jest/bin/jest.js --ci --reporters=default --reporters=jest-junit \
    > /dev/null 2>&1 || true
  cp "$work/$1" "$here/$1"
}
run suite-errors.xml false
run suite-errors.file.xml true
printf 'module.exports = { charge: (amount) => amount > 0 };\n' > "$work/gateway.js"
run fixed.xml false
node -e 'console.log("jest " + require("jest/package.json").version + ", jest-junit " + require("jest-junit/package.json").version)'
