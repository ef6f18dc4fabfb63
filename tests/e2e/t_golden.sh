# shellcheck shell=bash disable=SC2154
# Every golden picture still comes out byte for byte (UTF-8 and ASCII).
set -eu
N=$NFPATH
dir=tests/golden
fail=0
while IFS='|' read -r name args; do
	case $name in '#'*|'') continue ;; esac
	name=$(echo "$name" | tr -d ' ')
	for cs in utf8 ascii; do
		extra=
		[ $cs = ascii ] && extra=--ascii
		# shellcheck disable=SC2086
		LC_ALL=C.UTF-8 "$N" $args $extra > "$tmp/$name.$cs.txt"
		if ! cmp -s "$tmp/$name.$cs.txt" "$dir/$name.$cs.txt"; then
			echo "golden $name.$cs differs:"
			diff "$dir/$name.$cs.txt" "$tmp/$name.$cs.txt" | head -20
			fail=1
		fi
	done
done < "$dir/cases.txt"
# ASCII pictures hold nothing but ASCII
if LC_ALL=C grep -l '[^[:print:][:space:]]' "$dir"/*.ascii.txt; then
	echo "non-ASCII bytes in an ASCII golden"
	fail=1
fi
exit $fail
