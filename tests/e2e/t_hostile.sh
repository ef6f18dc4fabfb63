# shellcheck shell=bash disable=SC2154
# Hostile bytes in device names and prefixes never reach the output raw,
# and JSON stays valid.
set -eu
N=$NFPATH
printf 'TRACE: raw:PREROUTING:policy:2 IN=ev\033]0;pwned\007il OUT= PHYSIN=\033[2J SRC=10.0.0.1 DST=10.0.0.2 LEN=84 TTL=64 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1\n' > "$tmp/h.log"
printf '\033[31mEVIL\377 IN=x OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=84 TTL=64 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1\n' >> "$tmp/h.log"
for mode in --print --json --stats; do
	$N -r "$tmp/h.log" $mode > "$tmp/o"
	if LC_ALL=C grep -q "$(printf '\033')" "$tmp/o"; then echo "raw ESC in $mode output"; exit 1; fi
	if LC_ALL=C grep -q "$(printf '\007')" "$tmp/o"; then echo "raw BEL in $mode output"; exit 1; fi
done
$N -r "$tmp/h.log" --print | grep -q 'IN=ev\\x1b\]0;pwned\\x07il'
# --json: valid UTF-8 and JSON whose strings read back as the bytes the
# kernel logged (JSON escapes: \u001b, not the text \x1b); C1 controls and
# bidi overrides escaped too, a byte that is not UTF-8 as U+FFFD
printf 'TRACE: raw:PREROUTING:policy:2 IN=c1\302\233x\342\200\256y\177z OUT= SRC=10.0.0.3 DST=10.0.0.4 LEN=84 TTL=64 ID=2 PROTO=ICMP TYPE=8 CODE=0 ID=2 SEQ=1\n' >> "$tmp/h.log"
$N -r "$tmp/h.log" --json > "$tmp/j"
if LC_ALL=C grep -q "$(printf '\302\233')\|$(printf '\342\200\256')\|$(printf '\177')" "$tmp/j"; then echo "raw C1/bidi/DEL in --json"; exit 1; fi
python3 - "$tmp/j" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
hops = [h for p in pk for h in p["hops"]]
ins = {h["in"] for h in hops}
assert "ev\x1b]0;pwned\x07il" in ins, ins
assert "c1\u009bx\u202ey\x7fz" in ins, ins
assert any(h["physin"] == "\x1b[2J" for h in hops), [h["physin"] for h in hops]
assert any((h["prefix"] or "").startswith("\x1b[31mEVIL\ufffd") for h in hops), [h["prefix"] for h in hops]
PY
# a chain name of 3000 bytes (the demo recording's FORWARD renamed) in
# --compare's difference lines: cut to the line, nothing read past it (the
# ASan run caught a stack over-read), the summary after it still there
long=$(printf 'C%.0s' $(seq 1 3000))
sed "s/chain=FORWARD\t/chain=$long\t/" assets/demo/lab-docker.rec > "$tmp/longchain.rec"
$N -r "$tmp/longchain.rec" --compare 1,3 > "$tmp/cmp.txt"
grep -q "^15 hops in packet 1, 11 in packet 3" "$tmp/cmp.txt" || { echo "long chain: compare summary lost"; cat "$tmp/cmp.txt"; exit 1; }
grep -q "CCCCCCCCCC" "$tmp/cmp.txt" || { echo "long chain: not shown"; exit 1; }
# a refused capture quotes the user's -e: C0 and C1 controls (CSI as UTF-8
# c2 9b) are escaped like every outside string
if [ "$(id -u)" = 0 ]; then
	$N capture -e "$(printf 'tcp port 1 \033]0;x\007\302\23331m')" -t 1 -w /dev/null 2> "$tmp/e" && exit 1
	grep -q 'nfpath capture:' "$tmp/e"
	if LC_ALL=C grep -q "$(printf '\033')\|$(printf '\302\233')" "$tmp/e"; then echo "raw control in capture error"; exit 1; fi
	grep -q '\\xc2\\x9b' "$tmp/e"
fi
