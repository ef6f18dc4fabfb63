#!/bin/bash
# make bench, the cost of tracing: throughput of a bulk TCP transfer
# (iperf3) between two lab containers with no capture, with the capture
# without drop reasons (--no-drops) and with the default capture (drop
# reasons on), side by side in one run. Rounds alternate the three so a
# busy machine's drift hits them alike; the best and the median of ROUNDS
# are shown (on a shared machine the best is the one other work did not
# disturb). Client and server are pinned to two CPUs when there are two.
# Needs root (the lab); says why and exits 0 otherwise. Prints figures,
# never fails on a number.
set -eu
NFPATH=$(readlink -f "${NFPATH:-build/nfpath}")
ROUNDS=${BENCH_ROUNDS:-7}
SECS=${BENCH_SECS:-3}
[ "$(id -u)" = 0 ] || { echo "bench drops: needs root (the lab); skipped"; exit 0; }
command -v iperf3 >/dev/null || { echo "bench drops: iperf3 not installed (apt-get install iperf3); skipped"; exit 0; }
tmp=$(mktemp -d)
export NFPL_DIR=$tmp/lab
LAB=assets/lab/lab
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
	$LAB down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
$LAB up >/dev/null
pid() { $LAB dk inspect -f '{{.State.Pid}}' "$1"; }
c2=$($LAB addr c2)
# iperf3 from the host's files, in the containers' network namespaces
pin_s= pin_c=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then pin_s="taskset -c 1" pin_c="taskset -c 0"; fi
# shellcheck disable=SC2086
$pin_s nsenter -t "$(pid c2)" -n iperf3 -s >/dev/null 2>&1 &
spid=$!
sleep 0.5
one() { # -> bits/s of one transfer c1 -> c2
	local out
	nsenter -t "$(pid c2)" -n sh -c 'pgrep -x iperf3 >/dev/null' || {
		pin_s= pin_c=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then pin_s="taskset -c 1" pin_c="taskset -c 0"; fi
# shellcheck disable=SC2086
$pin_s nsenter -t "$(pid c2)" -n iperf3 -s >/dev/null 2>&1 &
		spid=$!
		sleep 0.3
	}
	# shellcheck disable=SC2086
	out=$($pin_c nsenter -t "$(pid c1)" -n iperf3 -c "$c2" -t "$SECS" -J 2>/dev/null) || { echo 0; return; }
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' <<<"$out"
}
with_capture() { # capture options... -> bits/s while it runs
	"$NFPATH" capture -n nfpl-host -t 600 -w /dev/null "$@" 2>"$tmp/cap.err" &
	cpid=$!
	for _ in $(seq 1 50); do
		ip netns exec nfpl-host nft list tables 2>/dev/null | grep -q 'inet nfpath' && break
		sleep 0.1
	done
	one
	kill -INT "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null || true
	cpid=
}
: > "$tmp/none"; : > "$tmp/nodrops"; : > "$tmp/drops"
for _ in $(seq 1 "$ROUNDS"); do
	one >> "$tmp/none"
	with_capture --no-drops >> "$tmp/nodrops"
	with_capture >> "$tmp/drops"
	grep -q "drop reasons" "$tmp/cap.err" && { echo "bench drops: drop reasons were off:"; cat "$tmp/cap.err"; }
done
python3 - "$tmp" "$ROUNDS" "$SECS" <<'PY'
import statistics, sys
d, rounds, secs = sys.argv[1], sys.argv[2], sys.argv[3]
v = {k: [int(x) for x in open(f"{d}/{k}").read().split()] for k in ("none", "nodrops", "drops")}
m = {k: statistics.median(x) for k, x in v.items()}
b = {k: max(x) for k, x in v.items()}
print(f"bulk TCP c1 -> c2 (iperf3, {rounds} rounds of {secs} s; Gbit/s and ratio to no capture)")
print(f"{'':28s} {'best':>7s} {'ratio':>6s}   {'median':>7s} {'ratio':>6s}")
for k, label in (("none", "no capture"), ("nodrops", "capture --no-drops"), ("drops", "capture (drop reasons on)")):
    print(f"{label:28s} {b[k]/1e9:7.2f} {b[k]/b['none']:6.3f}   {m[k]/1e9:7.2f} {m[k]/m['none']:6.3f}")
print(f"{'drop reasons / --no-drops':28s} {'':7s} {b['drops']/b['nodrops']:6.3f}   {'':7s} {m['drops']/m['nodrops']:6.3f}")
print("goals: capture >= 0.95 of no capture; drop reasons cost <= 2 % (>= 0.98 of --no-drops)")
print("rounds (Gbit/s):", {k: [round(x/1e9, 2) for x in xs] for k, xs in v.items()})
PY
