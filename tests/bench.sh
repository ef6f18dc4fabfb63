#!/bin/sh
# make bench: parse/stitch speed against awk, memory per hop, and (when
# the other parts exist) render and redraw times. Prints figures, never fails
# on a number: goals are read by people.
set -eu
NFPATH=${NFPATH:-build/nfpath}
LINES=${BENCH_LINES:-1150000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 - "$tmp/big.log" "$LINES" <<'PY'
import re, sys
src = open("tests/fixtures/docker-c2c-ping.log").read().splitlines()
out, n = open(sys.argv[1], "w"), int(sys.argv[2])
k = 0
while k * len(src) < n:
    ipid = {}
    for l in src:
        if k * len(src) >= n:
            break
        # a distinct conversation per round: new IP IDs, echo id and sequence
        l = re.sub(r"ID=(\d+) (DF )?PROTO", lambda m: "ID=%d %sPROTO" % ((int(m.group(1)) + k * 7) % 65536, m.group(2) or ""), l)
        l = l.replace(" ID=90 ", " ID=%d " % (k % 65536)).replace("SEQ=", "SEQ=%d" % (k // 65536 % 10))
        l = l.replace("192.168.0.2", "192.168.%d.%d" % (k // 250 % 250, k % 250 + 2))
        out.write(l + "\n")
    k += 1
PY
lines=$(wc -l < "$tmp/big.log")
bytes=$(wc -c < "$tmp/big.log")
awkname=$(readlink -f "$(command -v awk)")
run() { # label cmd... -> seconds and peak RSS (KiB) of the best of 3
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best, rss = None, 0
for _ in range(3):
    t0 = time.perf_counter()
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, check=True)
    dt = time.perf_counter() - t0
    best = dt if best is None or dt < best else best
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%s %.3f %d" % (sys.argv[1], best, rss))
PY
}
echo "input: $lines lines, $bytes bytes (synthetic rounds of the shared Docker sample)"
echo "(the speed goal is set for 1,000,000 lines; these are a few more, for 100,000 packets)"
a=$(run awk awk '{n+=NF} END{print n}' "$tmp/big.log")
s=$(run stats "$NFPATH" -r "$tmp/big.log" --stats)
p=$(run pipe sh -c 'cat "$1" | "$2" -r - --stats' sh "$tmp/big.log" "$NFPATH")
j=$(run json "$NFPATH" -r "$tmp/big.log" --json)
hops=$("$NFPATH" -r "$tmp/big.log" --stats | awk '/^hops/ {print $2}')
echo "$a
$s
$p
$j" | awk -v awkname="$awkname" -v hops="$hops" '
{ t[$1] = $2; r[$1] = $3 }
END {
	printf "%-34s %8s %8s\n", "", "seconds", "ratio"
	printf "%-34s %8.3f %8s\n", "awk {n+=NF} (" awkname ")", t["awk"], "1.00"
	printf "%-34s %8.3f %8.2f   goal <= 1.00\n", "nfpath --stats", t["stats"], t["stats"] / t["awk"]
	printf "%-34s %8.3f %8.2f\n", "cat | nfpath -r - --stats", t["pipe"], t["pipe"] / t["awk"]
	printf "%-34s %8.3f %8.2f   goal <= 3.00\n", "nfpath --json > /dev/null", t["json"], t["json"] / t["awk"]
	printf "peak RSS of --json: %d KiB for %d hops = %.0f bytes/hop (goal < 200)\n", r["json"], hops, r["json"] * 1024 / hops
}'
# several hosts' recordings merged against read one after another
NFPATH=$NFPATH tests/bench_merge.sh
# drawing: one frame, and the explorer with ~100,000 packets loaded
"$NFPATH" -r "$tmp/big.log" --bench-render
if [ "$(id -u)" = 0 ]; then
	NFPATH=$NFPATH tests/bench_rules.sh
	NFPATH=$NFPATH tests/bench_capture.sh
else
	echo "rules and capture flood: skipped (need root for namespaces)"
fi
