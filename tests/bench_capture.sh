#!/bin/bash
# Part of make bench (root only): flood the plain lab with ping -f c1 -> c2
# for 5 s, untraced by rate, and count how many packets each tool saw with
# a complete path (the request reached the bridge's egress hook).
set -euo pipefail
NFPATH=$(readlink -f "${NFPATH:-build/nfpath}")
LAB=assets/lab/lab
tmp=$(mktemp -d)
export NFPL_DIR=$tmp/lab
trap '$LAB down >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT INT TERM
SECS=${BENCH_FLOOD_SECONDS:-5}
$LAB down >/dev/null 2>&1 || true
$LAB up --plain >/dev/null
dst=$($LAB addr c2)

flood() { ip netns exec nfpl-c1 ping -f -q -w "$SECS" "$dst" 2>&1 | awk '/packets transmitted/ {print $1}'; }

# nfpath
"$NFPATH" capture -n nfpl-host --rate 0 --no-nflog -t $((SECS + 3)) -w "$tmp/n.rec" 2>"$tmp/n.err" &
cpid=$!
for _ in $(seq 1 50); do ip netns exec nfpl-host nft list tables | grep -q 'inet nfpath' && break; sleep 0.1; done
sent=$(flood)
wait $cpid
"$NFPATH" -r "$tmp/n.rec" --json > "$tmp/n.json"
read -r done_n events_n lost_n <<<"$(python3 - "$tmp/n.json" "$tmp/n.err" <<'PY'
import json, re, sys
done = 0
for l in open(sys.argv[1]):
    p = json.loads(l)
    if "echo-request" in p["summary"] and any(h["box"] == "eb:nat:POSTROUTING" for h in p["hops"]):
        done += 1
err = open(sys.argv[2]).read()
m = re.search(r"(\d+) events, .*lost: (\d+) kernel buffer overruns, (\d+) events over the queue limit", err)
print(done, m.group(1) if m else 0, "%s+%s" % (m.group(2), m.group(3)) if m else "?")
PY
)"

# nft monitor trace on the same flood, with the same trace rules armed by
# hand (no owner flag: removed below)
"$NFPATH" capture --help >/dev/null
ip netns exec nfpl-host nft -f - <<'NFT'
table bridge nfbench {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		icmp type { echo-request, echo-reply } meta nftrace set 1
	}
	chain post {
		type filter hook postrouting priority -399; policy accept;
	}
}
NFT
ip netns exec nfpl-host timeout $((SECS + 3)) nft monitor trace > "$tmp/m.txt" 2>/dev/null &
mpid=$!
sleep 0.5
sent_m=$(flood)
wait $mpid || true
ip netns exec nfpl-host nft delete table bridge nfbench
done_m=$(grep -c 'bridge nfbench post packet: .*echo-request' "$tmp/m.txt" || true)
events_m=$(wc -l < "$tmp/m.txt")

awk -v s="$sent" -v d="$done_n" -v e="$events_n" -v l="$lost_n" -v t="$SECS" \
    -v sm="$sent_m" -v dm="$done_m" -v em="$events_m" 'BEGIN {
	printf "\nflood (ping -f c1 -> c2, %d s, no rate limit)\n", t
	printf "%-22s %10s %12s %8s %10s %14s\n", "", "sent", "complete", "percent", "events/s", "lost (overruns+queue)"
	printf "%-22s %10d %12d %7.1f%% %10.0f %14s\n", "nfpath capture", s, d, 100 * d / (s ? s : 1), e / t, l " overruns"
	printf "%-22s %10d %12d %7.1f%% %10.0f %14s\n", "nft monitor trace", sm, dm, 100 * dm / (sm ? sm : 1), em / t, "not reported"
	printf "goal: nfpath >= 99%% complete, loss reported exactly\n"
}'
