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
$N -r "$tmp/h.log" --json | python3 -c '
import json, sys
for l in sys.stdin:
    json.loads(l)
'
# a refused capture quotes the user's -e: C0 and C1 controls (CSI as UTF-8
# c2 9b) are escaped like every outside string
if [ "$(id -u)" = 0 ]; then
	$N capture -e "$(printf 'tcp port 1 \033]0;x\007\302\23331m')" -t 1 -w /dev/null 2> "$tmp/e" && exit 1
	grep -q 'nfpath capture:' "$tmp/e"
	if LC_ALL=C grep -q "$(printf '\033')\|$(printf '\302\233')" "$tmp/e"; then echo "raw control in capture error"; exit 1; fi
	grep -q '\\xc2\\x9b' "$tmp/e"
fi
