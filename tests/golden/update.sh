#!/bin/sh
# Rewrites every golden picture (UTF-8 and ASCII) from tests/golden/cases.txt.
set -eu
N=${NFPATH:-build/nfpath}
dir=$(dirname "$0")
grep -v '^#' "$dir/cases.txt" | while IFS='|' read -r name args; do
	name=$(echo "$name" | tr -d ' ')
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 "$N" $args > "$dir/$name.utf8.txt"
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 "$N" $args --ascii > "$dir/$name.ascii.txt"
done
echo "goldens rewritten: read the diff by eye before committing"
