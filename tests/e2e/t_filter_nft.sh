# shellcheck shell=bash disable=SC2154
# The filter translation table, the other way: real nft loads every rule of
# tests/fixtures/filter/translations.txt (the translator's exact output, by
# tests/unit/test_filter.c) into a bridge and an inet table in a namespace
# of our own, and must list each one back unchanged. nft 1.0.6 rewrote
# `th sport != 80 th dport != 80` into one wrong 32-bit compare: this is
# where such a thing shows.
set -eu
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
N=$(readlink -f "$NFPATH")
ns=nfpl-filter
table=tests/fixtures/filter/translations.txt
trap 'ip netns del $ns 2>/dev/null || true' EXIT
ip netns del $ns 2>/dev/null || true
ip netns add $ns
python3 - "$table" "$tmp/filter.nft" "$tmp/filter.want" <<'PY'
import sys
rules = {"bridge": [], "inet": []}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    for fam in rules:
        if line == fam or line.startswith(fam + " "):
            rules[fam].append(line[len(fam) + 1:])
with open(sys.argv[2], "w") as f:
    for fam, rs in rules.items():
        # a counter after each match: an empty match (every packet) is a rule too
        f.write("table %s t {\n\tchain c {\n" % fam)
        f.writelines("\t\t%s counter\n" % r if r else "\t\tcounter\n" for r in rs)
        f.write("\t}\n}\n")
with open(sys.argv[3], "w") as f:
    for fam, rs in rules.items():
        f.writelines(("%s %s" % (fam, r)).rstrip() + "\n" for r in rs)
assert len(rules["bridge"]) > 40 and len(rules["inet"]) > 40
PY
ip netns exec $ns nft -f "$tmp/filter.nft"
for fam in bridge inet; do
	ip netns exec $ns nft list chain $fam t c | sed -n 's/^\t\t\(.*\)counter packets 0 bytes 0$/\1/p' |
		sed "s/^/$fam /; s/ *$//"
done > "$tmp/filter.got"
diff -u "$tmp/filter.want" "$tmp/filter.got" || { echo "nft reads the translations differently (- table, + nft)"; exit 1; }

# And what the rules do: real packets from a second namespace through the
# translations of some filters (inet table, input hook), each filter in a
# chain of its own where the first matching rule counts and returns. Only
# packets marked with DSCP cs1 by the sender are looked at (no neighbour
# discovery noise).
peer=nfpl-filter-b
trap 'ip netns del $ns 2>/dev/null || true; ip netns del $peer 2>/dev/null || true' EXIT
ip netns del $peer 2>/dev/null || true
ip netns add $peer
ip link add nfpl-fa netns $ns type veth peer name nfpl-fb netns $peer
ip -n $ns addr add 10.9.0.1/24 dev nfpl-fa
ip -n $peer addr add 10.9.0.2/24 dev nfpl-fb
ip -n $ns addr add fd00:9::1/64 dev nfpl-fa nodad
ip -n $peer addr add fd00:9::2/64 dev nfpl-fb nodad
for n in $ns $peer; do ip -n $n link set lo up; done
ip -n $ns link set nfpl-fa up
ip -n $peer link set nfpl-fb up
mac_a=$(ip -n $ns -o link show nfpl-fa | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
mac_b=$(ip -n $peer -o link show nfpl-fb | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip -n $peer neigh replace 10.9.0.1 lladdr "$mac_a" dev nfpl-fb nud permanent
ip -n $peer neigh replace fd00:9::1 lladdr "$mac_a" dev nfpl-fb nud permanent
ip -n $ns neigh replace 10.9.0.2 lladdr "$mac_b" dev nfpl-fa nud permanent
ip -n $ns neigh replace fd00:9::2 lladdr "$mac_b" dev nfpl-fa nud permanent
# filter | the packets below it must match (the others it must not)
cases='not port 80|P3 P5 P6 P7
port 80|P1 P2 P4
udp port 53 or icmp|P5 P7
udp port 53 or icmp6|P6 P7
not host 10.9.0.2|P6 P7
host 10.9.0.2 and not udp|P4 P5
tcp dst port 80 or udp src port 80|P2 P4
ip6|P6 P7
not (tcp or udp)|P5 P6
src net 10.9.0.0/24 and dst portrange 80-81|P1 P2 P3 P4
not udp port 80|P3 P4 P5 P6 P7
not src host 10.9.0.2 and not dst host fd00:9::1|'
{
	echo "table inet f {"
	i=0
	while IFS='|' read -r expr _; do
		i=$((i + 1))
		echo "chain f$i {"
		# the inet table's marking rules of the prerouting probe, as nfpath installs them
		"$N" capture --rate 0 --print-rules "$expr" | awk '/^table inet/ {t=1} t && /chain probe_pre/ {c=1}
			t && c && /meta nftrace set 1 accept$/ {sub(/^\t\t/, ""); sub(/meta nftrace set 1 accept$/, "counter return"); print}
			c && /^\t}/ {c=0}'
		echo "}"
	done <<< "$cases"
	echo "chain input { type filter hook input priority 0;"; echo "ip dscp != cs1 return"; echo "ip6 dscp != cs1 return"
	for j in $(seq 1 "$i"); do echo "jump f$j"; done
	echo "}"; echo "}"
} > "$tmp/behave.nft"
ip netns exec $ns nft -f "$tmp/behave.nft"
counts() { ip netns exec $ns nft list table inet f | awk '/^\tchain f/ {c=$2} /counter packets/ {for (k=1;k<NF;k++) if ($k=="packets") n[c]+=$(k+1)} END {for (c in n) print c, n[c]}' | sort; }
send() { # P: one packet from the peer, with DSCP cs1 (TOS 0x20)
	ip netns exec $peer python3 - "$1" <<'PY'
import socket, sys, subprocess
p = sys.argv[1]
def udp(fam, dst, sport, dport):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET: s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x20)
    else: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x20)
    s.bind(("", sport)); s.sendto(b"x", (dst, dport))
if p == "P1": udp(socket.AF_INET, "10.9.0.1", 1234, 80)
if p == "P2": udp(socket.AF_INET, "10.9.0.1", 80, 81)
if p == "P3": udp(socket.AF_INET, "10.9.0.1", 1234, 81)
if p == "P4":
    s = socket.socket(); s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x20); s.settimeout(1)
    s.bind(("", 4321))
    try: s.connect(("10.9.0.1", 80))
    except OSError: pass
if p == "P5": subprocess.run(["ping", "-c1", "-W1", "-Q", "0x20", "10.9.0.1"], stdout=subprocess.DEVNULL)
if p == "P6": subprocess.run(["ping", "-6", "-c1", "-W1", "-Q", "0x20", "fd00:9::1"], stdout=subprocess.DEVNULL)
if p == "P7": udp(socket.AF_INET6, "fd00:9::1", 1234, 53)
PY
}
fails=0
for p in P1 P2 P3 P4 P5 P6 P7; do
	before=$(counts)
	send $p
	sleep 0.2
	after=$(counts)
	i=0
	while IFS='|' read -r expr want; do
		i=$((i + 1))
		b=$(echo "$before" | awk -v c="f$i" '$1 == c {print $2}')
		a=$(echo "$after" | awk -v c="f$i" '$1 == c {print $2}')
		hit=$(( ${a:-0} > ${b:-0} ))
		case " $want " in *" $p "*) should=1 ;; *) should=0 ;; esac
		if [ "$hit" != "$should" ]; then
			echo "filter '$expr' on $p: matched=$hit, tcpdump would say $should"
			fails=$((fails + 1))
		fi
	done <<< "$cases"
done
[ "$fails" = 0 ]
