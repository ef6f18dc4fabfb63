#!/bin/sh
# make bench, the merge figure: two hosts' recordings merged onto one
# timeline (nfpath -r A -r B) against the two read one after another, same
# run. The recordings are the real two-host lab's (tests/fixtures/lab2-host*.rec:
# three pings from a container on host 1 to one on host 2 through the VXLAN
# overlay), repeated with shifted trace ids, IP IDs, echo sequences and
# times (3 s a round, the same shift on both hosts, so a round's packets
# still cross from one host to the other) up to MERGE_LINES lines each; host
# 2 records fewer hops a ping, so its later rounds have no host-1 part.
# Prints figures, never fails on a number.
set -eu
NFPATH=${NFPATH:-build/nfpath}
LINES=${MERGE_LINES:-500000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for h in 1 2; do
	python3 - "tests/fixtures/lab2-host$h.rec" "$tmp/h$h.rec" "$LINES" <<'PY'
import re, sys
src = open(sys.argv[1]).read().splitlines()
out, n = open(sys.argv[2], "w"), int(sys.argv[3])
head = [l for l in src if not l.startswith("H\t")]
hops = [l for l in src if l.startswith("H\t")]
for l in head:
    out.write(l + "\n")
written, k = len(head), 0
def sub(l, k):
    l = re.sub(r"\tts=([0-9.]+)", lambda m: "\tts=%.6f" % (float(m.group(1)) + 3.0 * k), l)
    l = re.sub(r"\ttid=([0-9a-f]+)", lambda m: "\ttid=%08x" % ((int(m.group(1), 16) + k * 0x10001) & 0xffffffff), l)
    l = re.sub(r"\tipid=(\d+)", lambda m: "\tipid=%d" % ((int(m.group(1)) + k) % 65536), l)
    l = re.sub(r"\tiseq=(\d+)", lambda m: "\tiseq=%d" % ((int(m.group(1)) + 3 * k) % 65536), l)
    return l
while written < n:
    for l in hops:
        if written >= n:
            break
        out.write(sub(l, k) + "\n")
        written += 1
    k += 1
PY
done
l1=$(wc -l < "$tmp/h1.rec")
l2=$(wc -l < "$tmp/h2.rec")
python3 - "$NFPATH" "$tmp/h1.rec" "$tmp/h2.rec" "$l1" "$l2" <<'PY'
import os, subprocess, sys, time
n, a, b = sys.argv[1:4]
def run1(c):
    p = subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    assert status == 0, c
    return ru.ru_maxrss
def best(cmds):
    t, rss = None, 0
    for _ in range(3):
        t0 = time.perf_counter()
        for c in cmds:
            rss = max(rss, run1(c))
        dt = time.perf_counter() - t0
        t = dt if t is None or dt < t else t
    return t, rss
sep, rsep = best([[n, "-r", a, "--stats"], [n, "-r", b, "--stats"]])
mer, rmer = best([[n, "-r", a, "-r", b, "--stats"]])
pk = subprocess.run([n, "-r", a, "-r", b, "--stats"], capture_output=True, text=True).stdout
pk = next((l.split()[1] for l in pk.splitlines() if l.startswith("packets")), "?")
print("merge: two recordings of %s and %s lines (the real two-host lab's, repeated), %s packets merged" % (sys.argv[4], sys.argv[5], pk))
print("%-34s %8s %8s %10s" % ("", "seconds", "ratio", "peak RSS"))
print("%-34s %8.3f %8s %7d KiB" % ("nfpath -r A --stats; -r B --stats", sep, "1.00", rsep))
print("%-34s %8.3f %8.2f %7d KiB   goal <= 1.00" % ("nfpath -r A -r B --stats", mer, mer / sep, rmer))
print("load average: %.2f %.2f %.2f" % os.getloadavg())
PY
