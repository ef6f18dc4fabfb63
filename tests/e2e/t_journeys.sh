# shellcheck shell=bash disable=SC2154
# Journeys over two hosts from the real kernel (tests/fixtures/lab2j, see
# its README): HTTP to the port host 2 publishes (NAT on both hosts), a
# DROP rule on host 2, host 2's closed port. Each packet is one journey
# over both hosts in --print and --json with the right fate on the right
# host; --compare shows the nat chains of both hosts.
set -eu
N=$(readlink -f "$NFPATH")
F=tests/fixtures/lab2j
H1=vm/nfpl-host H2=vm/nfpl-host2
merged() { "$N" -r "$F/lab2j-$1-host1.rec" -r "$F/lab2j-$1-host2.rec" "${@:2}" 2>"$tmp/err"; }
for w in http rule closed purge; do merged "$w" --json > "$tmp/$w.json"; done
python3 tests/e2e/journeys_check.py "$tmp" "$H1" "$H2" exact
# each host's chains are its own: merged, in either order, every hop sits
# on the box and row its own host's recording alone gives it, none is left
# unplaced (the http fetch left 26 of host 1's user-chain hops "hook
# unknown" and one of host 2's raw:PREROUTING on the link row: what the
# placement learnt was read across hosts); the kernel drop both captures
# saw is kept once
for w in http rule closed purge; do
	for f in 1 2; do "$N" -r "$F/lab2j-$w-host$f.rec" --json > "$tmp/$w-$f.json" 2>/dev/null; done
	for o in 12 21; do
		a=${o%?} b=${o#?}
		"$N" -r "$F/lab2j-$w-host$a.rec" -r "$F/lab2j-$w-host$b.rec" --json > "$tmp/$w-$o.json" 2>/dev/null
		"$N" -r "$F/lab2j-$w-host$a.rec" -r "$F/lab2j-$w-host$b.rec" --stats 2>/dev/null | grep 'not placed' && exit 1
		python3 - "$tmp/$w-$o.json" "$tmp/$w-1.json" "$tmp/$w-2.json" <<'PY'
import collections, json, sys
def hops(*files):
    c = collections.Counter()
    for f in files:
        for line in open(f):
            for h in json.loads(line)["hops"]:
                c[(h["host"], h["ts"], h["table"], h["chain"], h["kind"], h["handle"], h["box"], h["layer"])] += 1
    return c
merged, alone = hops(sys.argv[1]), hops(sys.argv[2], sys.argv[3])
assert all(k[6] for k in merged), [k for k in merged if not k[6]][:3]
assert not merged - alone, sorted(merged - alone)[:5]
# what only the hosts alone have: the other host's copy of a kernel drop
assert all(k[4] == "drop" for k in alone - merged), sorted(alone - merged)[:5]
PY
	done
done
merged purge --print > "$tmp/purge.txt"
grep -q 'interface_output *freed' "$tmp/purge.txt" || { grep -n 'interface_output' "$tmp/purge.txt"; exit 1; }
merged rule --print > "$tmp/rule.txt"
grep -q "^  fate: dropped at filter:FORWARD on $H2 by rule handle 24 in DOCKER-USER" "$tmp/rule.txt" || { grep fate "$tmp/rule.txt"; exit 1; }
# compare of the first and a later packet: the nat chains of both hosts,
# each host's walk under its name, the same words as the explorer's
merged http --compare 1,3 --ascii > "$tmp/c13.txt"
grep -q "^packet 3 skips nat:PREROUTING, nat:POSTROUTING on $H1 and nat:PREROUTING, nat:POSTROUTING on $H2:" "$tmp/c13.txt" ||
	{ sed -n '/differences/,$p' "$tmp/c13.txt"; exit 1; }
grep -q "^nat:PREROUTING (network) on $H2 only in packet 1" "$tmp/c13.txt"
[ "$(grep -c "^   on $H1 *| *on $H1\$" "$tmp/c13.txt")" = 1 ] && [ "$(grep -c "^   on $H2 *| *on $H2\$" "$tmp/c13.txt")" = 1 ] ||
	{ grep -n ' on ' "$tmp/c13.txt"; exit 1; }
# host 2's nat rows face each other: the DNAT only in the first packet,
# the probes both made aligned on the same row
grep -q "^ 21 net  nat:PREROUTING \[DOCKER\] handle 12 dnat to 172.18.0.2:80 *< *-\$" "$tmp/c13.txt"
grep -q "^ 19 net  raw:PREROUTING \[probe_pre\] policy accept (probe) *| *17 net  raw:PREROUTING" "$tmp/c13.txt"
# request and reply: each host's walk against the same host's
merged http --compare 1,2 --ascii > "$tmp/c12.txt"
grep -q "^ 22 net  mangle:FORWARD \[probe_fwd\] policy accept (probe) *| *4 net  mangle:FORWARD" "$tmp/c12.txt" ||
	{ cat "$tmp/c12.txt"; exit 1; }
# the explorer: c and r find the later packet and the reply across the
# hosts; its words are --compare's
screen() { LC_ALL=C.UTF-8 "$N" -r "$F/lab2j-$1-host1.rec" -r "$F/lab2j-$1-host2.rec" --screen 200x50 --keys "$2" 2>/dev/null; }
screen http c > "$tmp/s.txt"
grep -q "compare 1 vs 3" "$tmp/s.txt"
grep -q "^ packet 3 skips nat:PREROUTING, nat:POSTROUTING on $H1 and nat:PREROUTING, nat:POSTROUTING on $H2:" "$tmp/s.txt"
screen http r | grep -q "compare 1 vs 2"
screen http "j r" | grep -q "compare 2 vs 3"
# the diagram is one host's; h goes to the next host of the journey
screen http "" | grep -q "host $H1 (1 of 2)\$"
screen http h > "$tmp/s.txt"
grep -q "host $H2 (2 of 2)\$" "$tmp/s.txt"
grep -q "hop 19/32" "$tmp/s.txt"
screen http "h h" | grep -q "host $H1 (1 of 2)\$"
screen rule End | grep -q "host $H2 (2 of 2)\$"
# a tunnel seen only by its kernel drop is named by its port: the real
# drop of host 2's outer VXLAN packet, and the same line sent to Geneve's
# port 6081 (derived), which read "vxlan"
{ echo "# nfpath recording v1"; grep -m1 "kind=drop" tests/fixtures/tunnel/drop-host2.rec; } > "$tmp/kd.rec"
"$N" -r "$tmp/kd.rec" --print 2>/dev/null | grep -q "tunnel: .*:8472 vxlan" || { echo "drop-only tunnel: not vxlan"; exit 1; }
sed 's/dport=8472/dport=6081/' "$tmp/kd.rec" > "$tmp/kd6081.rec"
"$N" -r "$tmp/kd6081.rec" --print 2>/dev/null | grep -q "tunnel: .*:6081 geneve" || { echo "drop-only tunnel on 6081: not geneve"; exit 1; }
# a routed journey over two hosts is no flood (it went up through host 1's
# bridge INPUT and out of host 2's bridge OUTPUT): every ping of the real
# x2x captures leaves through its container's port
"$N" -r tests/fixtures/tunnel/x2x-host1.rec -r tests/fixtures/tunnel/x2x-host2.rec --print 2>/dev/null > "$tmp/x2x.txt"
! grep -q "flooded" "$tmp/x2x.txt" || { echo "x2x journeys read flooded"; grep "fate:" "$tmp/x2x.txt"; exit 1; }
[ "$(grep -c "fate: forwarded: left through nfpl-vx1 \[nfpl-x1\]" "$tmp/x2x.txt")" = 3 ] || { echo "x2x requests:"; grep "fate:" "$tmp/x2x.txt"; exit 1; }
echo ok
