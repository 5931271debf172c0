#!/usr/bin/env bash
#
# scripts/fuzz.sh - runs every fuzz target of the repository, one after another,
# for a set time each. Not part of the test command (scripts/test.sh runs each
# target's seed corpus as an ordinary test; this script searches for new inputs).
#
# Usage:
#   scripts/fuzz.sh                  # every target, 1 minute each
#   FUZZTIME=10m scripts/fuzz.sh     # longer
#   scripts/fuzz.sh FuzzParseNIK     # only the targets whose name matches (a regexp)
#
# What it keeps: the inputs the fuzzer found interesting (new coverage) are copied
# from Go's fuzz cache into the package's testdata/fuzz/<Target>/ (at most
# FUZZKEEP=100 per target, the newest), so that every later `go test` replays them;
# an input that fails is written there by Go itself, and the script ends with the
# failing targets listed and exit status 1. Commit testdata/fuzz with the fix.

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${FUZZTIME:-1m}
keep=${FUZZKEEP:-100}
match=${1:-.}
cache="$(go env GOCACHE)/fuzz"
module=$(go list -m)
failed=()
ran=0

# "dir Target" for every fuzz target of the repository's Go test files.
targets=$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . |
	sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)$#\1 \2#' | sort -u)

while read -r dir name; do
	[[ -n $dir ]] || continue
	[[ $name =~ $match ]] || continue
	ran=$((ran + 1))
	printf '==> %s %s for %s\n' "$dir" "$name" "$fuzztime"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir"; then
		failed+=("$dir $name")
	fi
	# Keep what the fuzzer learnt: the newest interesting inputs of this target.
	src="$cache/$module/$dir/$name"
	if [[ -d $src ]]; then
		mkdir -p "$dir/testdata/fuzz/$name"
		ls -t "$src" | head -n "$keep" | while read -r f; do
			cp -n "$src/$f" "$dir/testdata/fuzz/$name/$f"
		done
	fi
done <<<"$targets"

if ((ran == 0)); then
	printf '!!! no fuzz target matches %q\n' "$match" >&2
	exit 2
fi
if ((${#failed[@]} > 0)); then
	printf '!!! failing fuzz targets (their inputs are in testdata/fuzz):\n' >&2
	printf '    %s\n' "${failed[@]}" >&2
	exit 1
fi
printf '==> %d fuzz targets ran for %s each without a failure\n' "$ran" "$fuzztime"
