#!/bin/bash
# Part of make bench (root only): flood the plain lab with ping -f c1 -> c2
# for 60 s (BENCH_FLOOD_SECONDS), every packet traced (--rate 0), and
# report for nfpath capture and for nft monitor trace on the same flood:
# how many echo requests have a complete path (they reached the bridge's
# egress hook), the events each reported lost, and the memory of the
# tracing process early (20 s) and late (55 s) in the flood, and its peak.
set -euo pipefail
NFPATH=$(readlink -f "${NFPATH:-build/nfpath}")
LAB=assets/lab/lab
tmp=$(mktemp -d)
export NFPL_DIR=$tmp/lab
trap '$LAB down >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT INT TERM
SECS=${BENCH_FLOOD_SECONDS:-60}
# the two memory samples: 20 s and 55 s into a 60 s flood, scaled
EARLY=$((SECS / 3)) LATE=$((SECS - SECS / 12))
$LAB down >/dev/null 2>&1 || true
$LAB up --plain >/dev/null
dst=$($LAB addr c2)

flood() { ip netns exec nfpl-c1 ping -f -q -w "$SECS" "$dst" 2>&1 | awk '/packets transmitted/ {print $1}'; }

# VmRSS of pid at EARLY and LATE seconds from now, then its VmHWM (peak)
# just before it ends, in KiB, into file $2
sample() {
	local pid=$1 out=$2 early=0 late=0 peak=0 t0=$SECONDS kb
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ $((SECONDS - t0)) -le "$EARLY" ] && early=${kb:-0}
		[ $((SECONDS - t0)) -le "$LATE" ] && late=${kb:-0}
		kb=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[ -n "$kb" ] && peak=$kb
		sleep 0.5
	done
	echo "$early $late $peak" > "$out"
}

# nfpath
"$NFPATH" capture -n nfpl-host --rate 0 --no-nflog -t $((SECS + 3)) -w "$tmp/n.rec" 2>"$tmp/n.err" &
cpid=$!
for _ in $(seq 1 50); do ip netns exec nfpl-host nft list tables | grep -q 'inet nfpath' && break; sleep 0.1; done
sample "$cpid" "$tmp/n.rss" &
spid=$!
sent=$(flood)
wait $cpid
wait $spid
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
read -r early_n late_n peak_n < "$tmp/n.rss"

# nft monitor trace on the same flood, with the same trace rules armed by
# hand (no owner flag: removed below)
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
mon=$(pgrep -P "$mpid" -x nft || echo "$mpid")
sample "$mon" "$tmp/m.rss" &
spid=$!
sent_m=$(flood)
wait $mpid || true
wait $spid
ip netns exec nfpl-host nft delete table bridge nfbench
done_m=$(grep -c 'bridge nfbench post packet: .*echo-request' "$tmp/m.txt" || true)
events_m=$(wc -l < "$tmp/m.txt")
read -r early_m late_m peak_m < "$tmp/m.rss"

awk -v s="$sent" -v d="$done_n" -v e="$events_n" -v l="$lost_n" -v t="$SECS" \
    -v sm="$sent_m" -v dm="$done_m" -v em="$events_m" -v ea="$EARLY" -v la="$LATE" \
    -v r1="$early_n" -v r2="$late_n" -v rp="$peak_n" -v m1="$early_m" -v m2="$late_m" -v mp="$peak_m" 'BEGIN {
	printf "\nflood (ping -f c1 -> c2, %d s, no rate limit)\n", t
	printf "%-18s %8s %9s %8s %9s %12s %9s %9s %9s\n", "", "sent", "complete", "percent", "events/s",
		"lost", "RSS " ea "s", "RSS " la "s", "peak"
	printf "%-18s %8d %9d %7.1f%% %9.0f %12s %8.1fM %8.1fM %8.1fM\n", "nfpath capture", s, d, 100 * d / (s ? s : 1),
		e / t, l, r1 / 1024, r2 / 1024, rp / 1024
	printf "%-18s %8d %9d %7.1f%% %9.0f %12s %8.1fM %8.1fM %8.1fM\n", "nft monitor trace", sm, dm,
		100 * dm / (sm ? sm : 1), em / t, "not reported", m1 / 1024, m2 / 1024, mp / 1024
	printf "(lost: kernel buffer overruns + events over the queue limit)\n"
	printf "goal: nfpath >= 99%% complete, loss reported exactly; peak RSS <= 64 MB and flat (late within 10%% of early)\n"
}'
