# shellcheck shell=bash disable=SC2154
# Every golden screen of the explorer still comes out byte for byte
# (tests/golden/screens.txt, drawn headless with --screen and --keys).
set -eu
N=$NFPATH
dir=tests/golden
fail=0
n=0
while IFS='|' read -r name keys args; do
	case $name in '#'*|'') continue ;; esac
	name=$(echo "$name" | tr -d ' ')
	for size in 80x24 120x40 200x50; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		LC_ALL=C.UTF-8 TZ=UTC "$N" $args --screen "$size" --keys "$keys" > "$tmp/$name-$size.txt"
		if ! cmp -s "$tmp/$name-$size.txt" "$dir/screens/$name-$size.txt"; then
			echo "golden screen $name-$size differs:"
			diff "$dir/screens/$name-$size.txt" "$tmp/$name-$size.txt" | head -20
			fail=1
		fi
	done
done < "$dir/screens.txt"
[ "$(ls "$dir"/screens/*.txt | wc -l)" = "$n" ] || { echo "stale files in $dir/screens"; fail=1; }
if LC_ALL=C grep -l '[^[:print:][:space:]]' "$dir"/screens/ascii-*.txt; then
	echo "non-ASCII bytes in an ASCII screen"
	fail=1
fi
# every size from the smallest up, every view: nothing runs past the
# screen's edge and the explorer never fails
for size in 40x10 61x22 80x24 100x33 120x40 160x48 187x40 200x50 260x70; do
	for keys in "" "n n Tab" "Tab Tab" "Tab Tab Tab n n n n n" "z" "c" "r" "?" "? PgDn PgDn" "/ c2"; do
		w=${size%x*}
		if ! LC_ALL=C.UTF-8 "$N" -r assets/demo/lab-docker.rec --screen "$size" --keys "$keys" > "$tmp/sweep.txt"; then
			echo "--screen $size --keys '$keys' failed"
			fail=1
		fi
		if [ "$(LC_ALL=C.UTF-8 wc -L < "$tmp/sweep.txt")" -gt "$w" ]; then
			echo "--screen $size --keys '$keys': a line is wider than the screen"
			fail=1
		fi
	done
done
# a bad size is a usage error
for bad in 0x10 80 80x24x1 x24 1001x50; do
	rc=0
	"$N" -r tests/fixtures/docker-c2c-ping.log --screen "$bad" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || { echo "--screen $bad: exit $rc, not 2"; fail=1; }
done
exit $fail
