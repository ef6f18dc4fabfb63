# Endless and oversized input: bounded memory, a clear word, no crash.
set -eu
N=$NFPATH
# a 16 MiB line without a newline, then a trace line
{ head -c 16777216 /dev/zero | tr '\0' 'x'; printf '\n'; head -3 tests/fixtures/docker-c2c-ping.log; } > "$tmp/huge.log"
/usr/bin/env time -f "%M" -o "$tmp/rss" "$N" -r "$tmp/huge.log" --stats > "$tmp/o" 2> "$tmp/e" || true
grep -q "huge.log:1: line too long, skipped" "$tmp/e" || { cat "$tmp/e"; exit 1; }
grep -q "^hops *3$" "$tmp/o"
[ "$(cat "$tmp/rss")" -lt 65536 ] || { echo "RSS $(cat "$tmp/rss") KiB for a huge line"; exit 1; }
# ~300 MB of distinct packets through a pipe with --max-packets 2000
python3 - <<'PY' | /usr/bin/env time -f "%M" -o "$tmp/rss2" "$N" -r - --stats --max-packets 2000 > "$tmp/o2" 2> "$tmp/e2"
import sys
w = sys.stdout.write
for i in range(400000):
    for tab, ch in (("raw", "PREROUTING"), ("mangle", "PREROUTING"), ("filter", "INPUT")):
        w("TRACE: %s:%s:policy:1 IN=eth0 OUT= SRC=10.%d.%d.%d DST=10.255.0.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 "
          "ID=%d DF PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=%d\n" % (tab, ch, i >> 16 & 255, i >> 8 & 255, i & 255,
                                                                i & 65535, i & 65535, i >> 16))
PY
grep -q "^packets *400000$" "$tmp/o2" || { cat "$tmp/o2" "$tmp/e2"; exit 1; }
grep -q "oldest packets dropped" "$tmp/e2"
[ "$(cat "$tmp/rss2")" -lt 131072 ] || { echo "RSS $(cat "$tmp/rss2") KiB with --max-packets 2000"; exit 1; }
echo "rss: huge line $(cat "$tmp/rss") KiB, 1.2M lines bounded $(cat "$tmp/rss2") KiB"
