#!/bin/sh
# Regenerates the real pytest outputs of this folder from the tiny project
# in shop/: every test there fails (or passes, skips, xfails) for one known
# reason, named in a comment beside it.
#
# Debian's pytest 7.2.1 with python3-pytest-timeout, python3-requests,
# python3-psycopg2 and python3-redis installed; the tests open sockets on
# 127.0.0.1 only. pytest runs in a temporary copy (so no cache lands here),
# and the temporary prefix is replaced with /home/dev so the outputs do not
# depend on the machine. Nothing else is changed in them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/shop" "$tmp/shop"
cd "$tmp/shop"
# A minimal environment: pytest prints os.environ in some traces, and the
# SHOP_* settings must be unset for the configuration failures.
py="env -i PATH=/usr/bin:/bin HOME=/home/dev LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 $py"
opts="-p no:cacheprovider -o console_output_style=classic -o junit_family=xunit2"
# pytest exits 1 (tests failed) or 2 (collection errors): both are expected.
$py -m pytest $opts --continue-on-collection-errors \
	--junitxml="$tmp/pytest-junit.xml" tests >"$tmp/pytest-run.txt" 2>&1 || true
$py -m pytest $opts --collect-only tests >"$tmp/pytest-collect.txt" 2>&1 || true
for f in pytest-junit.xml pytest-collect.txt; do
	sed "s#$tmp#/home/dev#g" "$tmp/$f" >"$here/$f"
	echo "wrote $here/$f"
done
PYTHONDONTWRITEBYTECODE=1 ${PYTHON:-/usr/bin/python3} "$here/cases.py"
