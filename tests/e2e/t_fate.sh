# shellcheck shell=bash disable=SC2154
# Fates on the real traces (tests/fixtures/real, README there): the legacy
# REJECT and DROP rules and the ebtables DROP in every output.
set -eu
N=$NFPATH
R=tests/fixtures/real
L6="-r $R/06-legacy-trace-and-LOG.dmesg --rules $R/06-legacy-iptables-save.txt"

# --print: a fate line per packet, with box, rule and its text
# shellcheck disable=SC2086
$N $L6 --print > "$tmp/p"
grep -q '^  fate: rejected at filter:FORWARD by rule 4 of FORWARD: -A FORWARD -p tcp -m tcp --dport 81 -j REJECT --reject-with icmp-port-unreachable; answered by packet 24$' "$tmp/p"
grep -q '^  fate: dropped at filter:FORWARD by rule 2 of FORWARD: -A FORWARD -p udp -m udp --dport 9999 -j DROP$' "$tmp/p"
[ "$(grep -c '^  fate: ' "$tmp/p")" = "$(grep -c '^packet ' "$tmp/p")" ]
[ "$(grep -c '^  fate: dropped at filter:INPUT by rule 2 of INPUT' "$tmp/p")" = 3 ]
# NAT targets show their action
grep -q ' rule 1           masquerade IN=agbbr0 OUT=agbpc' "$tmp/p"
grep -q ' rule 1           dnat to 10.77.1.2:80 IN=agbpc' "$tmp/p"

# --json: the fate object and lower-case protocols
# shellcheck disable=SC2086
$N $L6 --json > "$tmp/j"
python3 - "$tmp/j" <<'PY'
import json, sys, collections
pk = [json.loads(l) for l in open(sys.argv[1])]
c = collections.Counter(p["fate"]["kind"] for p in pk)
assert c == {"forwarded": 26, "sent": 3, "delivered": 2, "dropped": 4, "rejected": 1}, c
f = pk[22]["fate"]
assert (f["kind"], f["by"], f["box"], f["chain"], f["rule"], f["answer"]) == ("rejected", "rule", "filter:FORWARD", "FORWARD", 4, 24), f
assert pk[23]["fate"]["answers"] == 23
f = pk[24]["fate"]
assert (f["kind"], f["box"], f["hop"], f["rule_text"], f["dev"]) == ("dropped", "filter:FORWARD", 7, "-A FORWARD -p udp -m udp --dport 9999 -j DROP", "agbpa"), f
assert set(f) >= {"kind", "box", "hop", "rule_text", "reason", "location", "dev", "dev_name"}, f
f = pk[0]["fate"]
assert (f["kind"], f["dev"], f["rule"], f["rule_text"]) == ("forwarded", "agbpb", None, None), f
assert {p["proto"] for p in pk} == {"icmp", "tcp", "udp"}, {p["proto"] for p in pk}
PY

# --stats: packets per fate and per box of death, a REJECT under its own word
# shellcheck disable=SC2086
$N $L6 --stats > "$tmp/s"
grep -Eq '^dropped +4$' "$tmp/s"
grep -Eq '^rejected +1$' "$tmp/s"
grep -Eq '^layer +died at +dropped +rejected$' "$tmp/s"
grep -Eq '^network +filter:INPUT +3 +0$' "$tmp/s"
grep -Eq '^network +filter:FORWARD +1 +1$' "$tmp/s"
grep -Eq '^network +filter:FORWARD +38 +20 +1 +1 +0 +16$' "$tmp/s"

# the diagram: a cross at the box where it died, the caption says so
for size in "200 50" "120 40" "80 24"; do
	set -- $size
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 $N $L6 --diagram -p 25 --width "$1" --height "$2" > "$tmp/d"
	grep -v '^enters' "$tmp/d" | grep -q '[0-9]✗'
	grep -q '^enters at agbpa, ✗ dropped at filter:FORWARD by rule 2 of FORWARD' "$tmp/d"
	# shellcheck disable=SC2086
	$N $L6 --diagram -p 25 --width "$1" --height "$2" --ascii > "$tmp/d"
	grep -v '^enters' "$tmp/d" | grep -q '[0-9]X'
	grep -q '^enters at agbpa, X dropped at filter:FORWARD by rule 2 of FORWARD' "$tmp/d"
	# a packet that was not dropped has no cross, and leaves
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 $N $L6 --diagram -p 26 --width "$1" --height "$2" > "$tmp/d"
	if grep -q '✗' "$tmp/d"; then echo "a cross on packet 26"; exit 1; fi
	grep -q '^enters at agbpa, leaves at agbpc$' "$tmp/d"
done

# --compare: the fates differ
# shellcheck disable=SC2086
$N $L6 --compare 25,26 > "$tmp/c"
grep -q '^fate: packet 25 dropped at filter:FORWARD by rule 2 of FORWARD; packet 26 forwarded to agbpc$' "$tmp/c"
# shellcheck disable=SC2086
$N $L6 --compare 1,3 > "$tmp/c"
if grep -q '^fate:' "$tmp/c"; then echo "packets 1 and 3 have the same fate"; exit 1; fi

# ebtables: the log line is the last trace of the frame; the DROP after it
# in the same chain is found in the ruleset
$N -r $R/04b-ebtables-nft-log-drop-prefix.kmsg --rules $R/04-ebtables-nft-save.txt --print -p 1 > "$tmp/e"
grep -q '^  fate: dropped at eb:filter:FORWARD by rule 2 of FORWARD (inferred from --rules' "$tmp/e"
$N -r $R/04b-ebtables-nft-log-drop-prefix.kmsg --print -p 1 > "$tmp/e"
grep -q '^  fate: unknown: the trace ends after eb:filter:FORWARD' "$tmp/e"

# the same on a real recording of the Docker lab (t_fate_live.sh makes
# these): a ping dropped by `iptables -I DOCKER-USER -p icmp -j DROP`, then
# one without the rule
D=tests/fixtures/lab-docker-user-drop.rec
$N -r $D --print -p 1 > "$tmp/p"
grep -q '^  fate: dropped at filter:FORWARD by rule handle 20 in DOCKER-USER: meta l4proto icmp counter drop$' "$tmp/p"
LC_ALL=C.UTF-8 $N -r $D --diagram -p 1 --width 120 --height 40 > "$tmp/d"
grep -q '^enters at veth9b8bda2 \[c1\], ✗ dropped at filter:FORWARD by rule handle 20 in DOCKER-USER$' "$tmp/d"
grep -v '^enters' "$tmp/d" | grep -q '6+1✗'
$N -r $D --compare 2,1 > "$tmp/c"
grep -q '^fate: packet 2 forwarded to c2; packet 1 dropped at filter:FORWARD by rule handle 20 in DOCKER-USER$' "$tmp/c"
[ "$($N -r $D --json | python3 -c 'import json,sys; print(" ".join(json.loads(l)["fate"]["kind"] for l in sys.stdin))')" = "dropped forwarded forwarded" ]
[ "$($N -r $D --json -p 1 | python3 -c 'import json,sys; f = json.load(sys.stdin)["fate"]; print(f["handle"], f["rule"], f["chain"])')" = "20 None DOCKER-USER" ]

# a delivered packet names the address and port it was for
$N $L6 --print -p 21 | grep -q '^  fate: delivered: reached the local input path (nat:INPUT) from agbpa for 10.77.1.1:2323$'

# --json's proto is the summary's protocol in lower case, in every real file
for f in $R/*.dmesg $R/*.kmsg $R/*monitor-trace.txt; do
	$N -r "$f" --json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    w = o["summary"].split()[0]
    assert o["proto"] == (None if w in ("?", "IP", "IPv6") else w.lower()) or (w, o["proto"]) in (("IP", "ip"), ("IPv6", "ip6")), (sys.argv[1], o["packet"], w, o["proto"])
' "$f"
done
