#!/bin/sh
# run.sh - runs libFuzzer targets built by `make fuzz-build`.
#
#   tests/fuzz/run.sh NAME...       e.g. tests/fuzz/run.sh junit collect
#
# Each target first runs once on what earlier runs left in crashes/ (what
# passes now moves to fixed/), then fuzzes for $FUZZ_SECONDS (default 60)
# from the repository root.
# Its corpus is $BUILD/fuzz/corpus/NAME (kept between runs), seeded from
# tests/fuzz/seeds/NAME/ and, where they fit the target, from samples/,
# tests/data/ (the hostile inputs, regressions included), templates/ and
# ../shared/ (skipped when absent). What a run
# finds that crashes, leaks or hangs goes to $BUILD/fuzz/crashes/NAME/.
# Per target it prints the executions run and the findings, appends them
# to $BUILD/fuzz/stats.tsv (time, target, smoke or long, executions,
# seconds, findings), and it exits non-zero if any target found something
# or an earlier finding still fails.
#
# FUZZ_SMOKE=1 is the short run of `make check`: a fresh corpus of the
# seeds alone, so the time does not grow with what long runs collected.
#
# Environment: FUZZ_SECONDS, FUZZ_SMOKE, FUZZ_MAX_LEN, BUILD (default
# build), SHARED (default ../shared), PYTHON (for the Mustache spec seeds;
# default python3), FUZZ_ARGS (more libFuzzer options).

set -u

BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
PYTHON=${PYTHON:-python3}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_SMOKE=${FUZZ_SMOKE:-0}
FUZZ_ARGS=${FUZZ_ARGS:-}
FUZZ=$BUILD/fuzz

if [ $# -eq 0 ]; then
	echo "usage: tests/fuzz/run.sh NAME..." >&2
	exit 2
fi

# The largest input each target is given: enough for the structures of
# real files (seeds longer than this are cut), small enough that one input
# costs a millisecond or so; halving it roughly doubles the executions
# (8 KiB for result and rules files, 4 KiB for the rest).
# FUZZ_MAX_LEN overrides it, e.g. for a run on large inputs.
max_len() {
	if [ -n "${FUZZ_MAX_LEN:-}" ]; then
		echo "$FUZZ_MAX_LEN"
		return
	fi
	case $1 in
	junit|collect|diff|rules) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

# Seeds made from files of the project: a pair of runs for the diff, and
# the Mustache spec's cases as template NUL data NUL partials.
generate_seeds() {
	name=$1
	dir=$FUZZ/seeds-gen/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	case $name in
	diff)
		for state in after regressed resolved flaky skipped; do
			for kind in junit.xml collect-only.txt; do
				if [ ! -f "samples/before/$kind" ] || [ ! -f "samples/$state/$kind" ]; then
					continue
				fi
				{ cat "samples/before/$kind"; printf '\000'; cat "samples/$state/$kind"; } \
					> "$dir/before-$state-$kind"
			done
		done
		;;
	rules)
		cp src/default-rules.json "$dir/"
		;;
	mustache)
		for t in templates/*.mustache; do
			[ -f "$t" ] && { cat "$t"; printf '\000{}'; } > "$dir/$(basename "$t")"
		done
		if [ -d "$SHARED/mustache-spec" ] && command -v "$PYTHON" >/dev/null 2>&1; then
			"$PYTHON" - "$SHARED/mustache-spec" "$dir" <<'EOF'
import json, pathlib, sys
spec, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in sorted(spec.glob("*.json")):
    for i, t in enumerate(json.loads(f.read_text())["tests"]):
        parts = [t["template"], json.dumps(t.get("data"))]
        parts += [t["partials"][k] for k in sorted(t.get("partials", {}))]
        (out / f"{f.stem}-{i}").write_bytes("\0".join(parts).encode())
EOF
		fi
		;;
	esac
	echo "$dir"
}

# The seed folders of a target, one per line; missing ones are left out.
seed_dirs() {
	name=$1
	[ -d "tests/fuzz/seeds/$name" ] && echo "tests/fuzz/seeds/$name"
	case $name in
	junit)
		# libFuzzer reads folders recursively.
		for d in samples tests/data/junit tests/data/classify tests/data/hostile \
			"$SHARED/corpus/junit"; do
			[ -d "$d" ] && echo "$d"
		done
		;;
	ctrf)
		[ -d tests/data/ctrf ] && echo tests/data/ctrf
		;;
	collect)
		for d in samples tests/data/collect tests/data/hostile; do
			[ -d "$d" ] && echo "$d"
		done
		;;
	diff)
		generate_seeds diff
		[ -d "$SHARED/corpus/junit" ] && echo "$SHARED/corpus/junit"
		;;
	rules)
		generate_seeds rules
		echo tests/data/hostile
		;;
	mustache)
		generate_seeds mustache
		;;
	esac
}

# The executions libFuzzer reports at the end (or the last status line
# when it stopped on a finding).
executions() {
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
	[ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	echo "${n:-0}"
}

count_files() {
	find "$1" -type f 2>/dev/null | wc -l | tr -d ' '
}

# Runs the target once on each input a past run left in crashes/; those
# that pass now (the bug was fixed) move to fixed/, the others stay and
# count as open findings.
replay() {
	name=$1
	bin=$2
	crashes=$FUZZ/crashes/$name
	open=0
	for f in "$crashes"/*; do
		[ -f "$f" ] || continue
		if "$bin" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 "$f" \
			> "$log.replay" 2>&1; then
			mkdir -p "$FUZZ/fixed/$name"
			mv "$f" "$FUZZ/fixed/$name/"
		else
			open=$((open + 1))
			echo "fuzz_$name: still fails on $f (log: $log.replay)" >&2
		fi
	done
	return "$open"
}

failed=0
mkdir -p "$FUZZ/logs"
for name in "$@"; do
	bin=$FUZZ/bin/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is not built (make fuzz-build)" >&2
		failed=1
		continue
	fi
	if [ "$FUZZ_SMOKE" = 1 ]; then
		mode=smoke
		corpus=$FUZZ/smoke/$name
		log=$FUZZ/smoke/$name.log
		rm -rf "$corpus"
	else
		mode=long
		corpus=$FUZZ/corpus/$name
		log=$FUZZ/logs/$name.log
	fi
	crashes=$FUZZ/crashes/$name
	mkdir -p "$corpus" "$crashes"
	replay "$name" "$bin" || failed=1
	# What this run finds is what appears in crashes/ after it starts.
	started=$FUZZ/logs/$name.$mode.started
	touch "$started"
	# The seed folders are read-only inputs: libFuzzer writes new inputs
	# only to the first folder given, the corpus.
	seeds=$(seed_dirs "$name" | tr '\n' ' ')
	start=$(date +%s)
	# shellcheck disable=SC2086 # the folder lists are meant to split
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$name")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
		$FUZZ_ARGS "$corpus" $seeds > "$log" 2>&1
	status=$?
	seconds=$(( $(date +%s) - start ))
	execs=$(executions "$log")
	found=$(find "$crashes" -type f -newer "$started" | wc -l | tr -d ' ')
	if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
		found=1 # stopped without leaving an input: see the log
	fi
	echo "fuzz_$name: $execs executions in ${seconds}s, $found findings," \
		"corpus $(count_files "$corpus") inputs (log: $log)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$mode" \
		"$execs" "$seconds" "$found" >> "$FUZZ/stats.tsv"
	if [ "$found" -ne 0 ]; then
		failed=1
		echo "fuzz_$name: findings in $crashes/:" >&2
		# The newest files are this run's; their names are libFuzzer's hashes.
		# shellcheck disable=SC2012
		ls -t "$crashes" | head -n "$found" | sed 's/^/  /' >&2
		grep -E 'ERROR|fuzz check failed|SUMMARY' "$log" | head -n 3 | sed 's/^/  /' >&2
	fi
done
exit "$failed"
