#!/bin/sh
# Rewrites every golden picture (UTF-8 and ASCII) from tests/golden/cases.txt
# and every golden screen from tests/golden/screens.txt.
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
rm -f "$dir"/screens/*.txt
grep -v '^#' "$dir/screens.txt" | while IFS='|' read -r name keys args; do
	name=$(echo "$name" | tr -d ' ')
	for size in 80x24 120x40 200x50; do
		# shellcheck disable=SC2086
		LC_ALL=C.UTF-8 TZ=UTC "$N" $args --screen "$size" --keys "$keys" > "$dir/screens/$name-$size.txt"
	done
done
echo "goldens rewritten: read the diff by eye before committing"
