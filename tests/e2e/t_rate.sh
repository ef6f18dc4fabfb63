# shellcheck shell=bash disable=SC2154
# --rate N is the total of the whole selection, counted by the kernel: under
# a ping flood, `nft monitor trace` (the kernel's own trace events, not
# nfpath's) sees at most about N traced packets a second, for bridged
# container-to-container traffic (bridge and inet tables, br_netfilter) and
# for routed traffic (a container to the outside host: requests enter on a
# bridge port, replies on a routed device; with a limit per table and each
# table deciding on its own this was 63/s at --rate 50). Each traced packet
# crosses nfpath's inet postrouting probe once, so the events of its one
# rule (an accept since 57c2bbd; its policy before) count them. Bridged
# traffic alone gets the bridge table's half (README).
# Needs root; skipped otherwise.
set -eu
. tests/e2e/lab_common.sh
$LAB up --plain >/dev/null
c2=$($LAB addr c2)
out=$($LAB addr out)
RATE=50 FLOOD=8

# count FROM TARGET: packets traced a second while FROM floods TARGET
count() {
	"$N" capture -n nfpl-host --rate $RATE -t $((FLOOD + 4)) -w "$tmp/r.rec" 2>"$tmp/r.err" &
	local cpid=$!
	armed
	ip netns exec nfpl-host timeout $((FLOOD + 2)) nft monitor trace >"$tmp/mon" 2>/dev/null &
	local mpid=$!
	sleep 0.5
	ip netns exec "$1" timeout $FLOOD ping -f -q "$2" >/dev/null 2>&1 || true
	wait $mpid || true
	wait $cpid || { cat "$tmp/r.err"; return 1; }
	local n
	n=$(grep -c 'inet nfpath probe_post rule accept (verdict accept)' "$tmp/mon" || true)
	echo $((n / FLOOD))
}

# the limits' bursts (5 packets each) come on top of N a second
bridged=$(count nfpl-c1 "$c2")
echo "--rate $RATE, bridged c1 > c2 ping -f: $bridged packets/s traced"
routed=$(count nfpl-c1 "$out")
echo "--rate $RATE, routed c1 > out ping -f: $routed packets/s traced"
for n in "$bridged" "$routed"; do
	[ "$n" -le $((RATE + RATE / 20 + 1)) ] || { echo "--rate $RATE is not the total: $n packets/s"; exit 1; }
	[ "$n" -ge $((RATE / 3)) ] || { echo "too few packets traced: $n/s"; exit 1; }
done
