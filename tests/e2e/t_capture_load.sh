# shellcheck shell=bash disable=SC2154
# A capture that runs long on a busy host, in the plain namespace lab:
#  - --rate N is the selection's total, as read back from the kernel
#    (one limit object per table, half the rate each, every marking rule
#    uses it) and as counted: a selection of two rules (to and from a host)
#    under a bridged ping -f traces about N/2 packets a second (the bridge
#    table's half), not 2N (t_rate.sh counts the total as the kernel
#    traced it);
#  - memory is flat: under a steady ping of 1000 packets/s, the capture's
#    RSS late in the run is within 10% of its RSS early (the capture keeps
#    only open packets and a small window; it used to keep them all);
#  - a flood's recording does not fill the page cache: of a recording of
#    64 MB or more written in a --rate 0 flood, at most half stays cached
#    (it all did: write() then stalled on fresh memory, 0.6 s a second).
# Needs root; skipped otherwise.
set -eu
. tests/e2e/lab_common.sh
$LAB up --plain >/dev/null
c2=$($LAB addr c2)

# ---- --rate is the total --------------------------------------------------
RATE=20
"$N" capture -n nfpl-host --rate $RATE --proto icmp --host "$c2" -t 6 -w "$tmp/rate.rec" 2>"$tmp/rate.err" &
cpid=$!
armed
for fam in bridge inet; do
	ip netns exec nfpl-host nft list table $fam nfpath > "$tmp/rules.$fam"
	python3 - "$tmp/rules.$fam" "$RATE" "$fam" <<'PY'
import re, sys
txt, rate, fam = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
objs = re.findall(r"limit (\S+) \{\s*rate (\d+)/minute", txt)
# half the rate in each table (the lab has a bridge), per minute
assert len(objs) == 1 and int(objs[0][1]) == int(rate) * 30, (fam, "one limit object of half the rate, got", objs)
marks = [l.strip() for l in txt.splitlines() if "meta nftrace set 1" in l]
assert len(marks) >= 2, (fam, "the selection takes two rules or more", marks)
bad = [m for m in marks if 'limit name "%s"' % objs[0][0] not in m]
assert not bad, (fam, "marking rules without the shared limit", bad)
PY
done
ip netns exec nfpl-c1 ping -f -q -w 4 "$c2" >/dev/null 2>&1 || true
wait $cpid || { cat "$tmp/rate.err"; exit 1; }
# every packet marked for tracing crossed the bridge's first probe once
traced=$(grep -c $'fam=bridge\t.*\tchain=probe_pre\t' "$tmp/rate.rec" || true)
# the flood lasts 4 s of the 6: bridged, these packets are the bridge
# table's to decide, half of the rate (t_rate.sh counts the total), about
# RATE*2 + the burst of 5, where one limit per rule (request and reply each
# its own) gave twice RATE*4
echo "--rate $RATE: $traced packets traced in a 4 s flood"
[ "$traced" -ge $((RATE)) ] || { echo "too few packets traced"; exit 1; }
[ "$traced" -le $((RATE * 5 + 10)) ] || { echo "--rate $RATE is not the total: $traced packets in 4 s"; exit 1; }

# ---- the recording leaves the page cache -------------------------------------
# appended to a file that holds something already (>>: O_APPEND, the
# file's own position is not what the capture counts), on a disk
disk=$tmp
[ "$(stat -f -c %T "$disk")" != tmpfs ] || disk=$(mktemp -d -p /var/tmp)
if [ "$(stat -f -c %T "$disk")" = tmpfs ]; then
	echo "(no disk to write to: on tmpfs a file's pages are the file, none can leave the cache)"
else
	head -c 1000000 /dev/zero | tr '\0' '#' > "$disk/flood.rec"
	"$N" capture -n nfpl-host --rate 0 --proto icmp -t 5 -w - >> "$disk/flood.rec" 2>"$tmp/flood.err" &
	cpid=$!
	armed
	ip netns exec nfpl-c1 ping -f -q -w 4 "$c2" >/dev/null 2>&1 || true
	wait $cpid || { cat "$tmp/flood.err"; exit 1; }
	size=$(stat -c %s "$disk/flood.rec")
	cached=$(fincore --bytes --noheadings -o RES "$disk/flood.rec" | tr -dc 0-9)
	echo "a 4 s flood: recording of $size bytes, $cached of them cached"
	rm -f "$disk/flood.rec"
	[ "$disk" = "$tmp" ] || rmdir "$disk"
	[ "$size" -ge $((64 << 20)) ] || { echo "the flood wrote too little to tell"; exit 1; }
	[ $((cached * 2)) -le "$size" ] || { echo "the recording stays in the page cache: $cached of $size bytes"; exit 1; }
fi

# ---- flat memory ------------------------------------------------------------
# AddressSanitizer holds freed memory in its quarantine (256 MB) before
# reusing it, so under `make asan` RSS grows by design (102 -> 112 MB seen):
# the plain build's run is the one that checks flatness, for 32 s; an ASan
# build runs the same load for 12 s (the window is recycled within the
# first second), for what ASan catches, and to see it keep up
secs=32 least=15000 asan=
if grep -q __asan_init "$N"; then
	secs=12 least=4000 asan=1
fi
"$N" capture -n nfpl-host --rate 2000 -t $secs -w "$tmp/long.rec" 2>"$tmp/long.err" &
cpid=$!
armed
ip netns exec nfpl-c1 ping -q -i 0.002 -w $((secs - 1)) "$c2" >/dev/null 2>&1 &
ppid=$!
rss() { awk '/^VmRSS/ {print $2}' "/proc/$cpid/status"; }
if [ -z "$asan" ]; then
	# past the first seconds (buffers and pools reach their working size)
	sleep 12
	early=$(rss)
	sleep 17
	late=$(rss)
fi
wait $ppid || true
wait $cpid || { cat "$tmp/long.err"; exit 1; }
complete=$(grep -o '([0-9]* complete)' "$tmp/long.err" | tr -dc 0-9)
if [ -n "$asan" ]; then
	echo "steady ping for $secs s (an ASan build: memory flatness is checked by the plain build's run): $complete packets complete"
else
	echo "steady ping: RSS ${early} KiB at 12 s, ${late} KiB at 29 s; $complete packets complete"
fi
[ "$complete" -ge $least ] || { echo "the capture saw too little"; cat "$tmp/long.err"; exit 1; }
if [ -z "$asan" ]; then
	[ $((late * 100)) -le $((early * 110)) ] || { echo "memory grows: ${early} -> ${late} KiB"; exit 1; }
fi
