# shellcheck shell=bash disable=SC2154
# Endless and oversized input: bounded memory, a clear word, no crash.
set -eu
N=$NFPATH
# a 16 MiB line without a newline, then a trace line
{ head -c 16777216 /dev/zero | tr '\0' 'x'; printf '\n'; head -3 tests/fixtures/docker-c2c-ping.log; } > "$tmp/huge.log"
/usr/bin/env time -f "%M" -o "$tmp/rss" "$N" -r "$tmp/huge.log" --stats > "$tmp/o" 2> "$tmp/e" || true
grep -q "huge.log:1: line too long, skipped" "$tmp/e" || { cat "$tmp/e"; exit 1; }
grep -q "^hops *3$" "$tmp/o"
[ "$(cat "$tmp/rss")" -lt 65536 ] || { echo "RSS $(cat "$tmp/rss") KiB for a huge line"; exit 1; }
# distinct packets (in 64 flows, or each its own flow) through a pipe:
# memory stays flat from 50,000 to 400,000 packets (the bound holds under
# AddressSanitizer too, whose RSS is larger)
gen() { # packets [flows, 0 = one per packet]
	python3 - "$1" "${2:-64}" <<'PY'
import sys
w = sys.stdout.write
nf = int(sys.argv[2])
for i in range(int(sys.argv[1])):
    k = i % nf if nf else i
    for tab, ch in (("raw", "PREROUTING"), ("mangle", "PREROUTING"), ("filter", "INPUT")):
        w("TRACE: %s:%s:policy:1 IN=eth0 OUT= SRC=10.%d.%d.%d DST=10.255.0.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 "
          "ID=%d DF PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=%d\n"
          % (tab, ch, k >> 16 & 255, k >> 8 & 255, k & 255, i & 65535, k & 65535, (i // 64) & 65535))
PY
}
# AddressSanitizer keeps freed memory in quarantine: not ours to measure
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
gen 50000 | /usr/bin/env time -f "%M" -o "$tmp/rss1" "$N" -r - --json > "$tmp/o1" 2> "$tmp/e1"
gen 400000 | /usr/bin/env time -f "%M" -o "$tmp/rss2" "$N" -r - --json > "$tmp/o2" 2> "$tmp/e2"
# every packet is printed (the printers stream), in order
[ "$(wc -l < "$tmp/o2")" = 400000 ] || { echo "$(wc -l < "$tmp/o2") packets printed"; cat "$tmp/e2"; exit 1; }
tail -1 "$tmp/o2" | grep -q '^{"packet":400000,'
r1=$(cat "$tmp/rss1") r2=$(cat "$tmp/rss2")
[ "$r2" -lt $((r1 * 3 / 2 + 8192)) ] || { echo "RSS grew from $r1 KiB (50k packets) to $r2 KiB (400k)"; exit 1; }
# a flow per packet (a scan): flows whose packets are gone are forgotten
gen 50000 0 | /usr/bin/env time -f "%M" -o "$tmp/rss3" "$N" -r - --json > "$tmp/o3" 2> "$tmp/e5"
gen 400000 0 | /usr/bin/env time -f "%M" -o "$tmp/rss4" "$N" -r - --json > "$tmp/o4" 2> "$tmp/e6"
tail -1 "$tmp/o4" | grep -q '^{"packet":400000,"flow":400000,'
r3=$(cat "$tmp/rss3") r4=$(cat "$tmp/rss4")
[ "$r4" -lt $((r3 * 3 / 2 + 8192)) ] || { echo "RSS grew from $r3 KiB (50k flows) to $r4 KiB (400k)"; exit 1; }
# the explorer's own bound: --max-packets keeps the newest
gen 20000 > "$tmp/20k.log"
"$N" -r "$tmp/20k.log" --max-packets 1000 --diagram -p 20000 --width 80 --height 24 > /dev/null 2> "$tmp/e3"
grep -q "oldest packets dropped" "$tmp/e3"
set +e
"$N" -r "$tmp/20k.log" --max-packets 1000 --diagram -p 1 > /dev/null 2> "$tmp/e4"
[ $? = 2 ] || { echo "a dropped packet was not refused"; exit 1; }
set -e
grep -q "no packet 1" "$tmp/e4"
echo "rss: huge line $(cat "$tmp/rss") KiB; --json streams: $r1 KiB at 50k packets, $r2 KiB at 400k;" \
	"a flow each: $r3 KiB at 50k, $r4 KiB at 400k"
