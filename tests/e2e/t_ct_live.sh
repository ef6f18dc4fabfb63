# shellcheck shell=bash disable=SC2154
# Conntrack that is not there (issue 11 item 13), live: on a kernel that
# sends conntrack state with nftables trace events (6.16+), a packet whose
# events carry none was not tracked. Two namespaces; in nfpf-b a rule needs
# conntrack for IPv4 only, so IPv6 is not tracked there until an ip6 rule
# needs it too. Needs root; skipped otherwise.
set -eu
N=${NFPATH:-build/nfpath}
if [ "$(id -u)" != 0 ]; then
	echo "needs root (network namespaces, nft)"
	exit 77
fi
rel=$(uname -r)
maj=${rel%%.*} min=${rel#*.}
min=${min%%.*}
if [ "$maj" -lt 6 ] || { [ "$maj" = 6 ] && [ "$min" -lt 16 ]; }; then
	echo "kernel $rel sends no conntrack state with trace events (6.16+)"
	exit 77
fi
A=nfpf-a B=nfpf-b
cleanup() {
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	ip netns del $A 2>/dev/null || true
	ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT INT TERM
cleanup
ip netns add $A
ip netns add $B
ip link add nfpfa type veth peer name nfpfb
ip link set nfpfa netns $A
ip link set nfpfb netns $B
ip -n $A addr add 10.79.0.1/24 dev nfpfa
ip -n $B addr add 10.79.0.2/24 dev nfpfb
ip -n $A addr add fd79::1/64 dev nfpfa nodad
ip -n $B addr add fd79::2/64 dev nfpfb nodad
ip -n $A link set lo up
ip -n $B link set lo up
ip -n $A link set nfpfa up
ip -n $B link set nfpfb up
# a rule that needs conntrack, for IPv4 only
ip netns exec $B nft -f - <<'EOF'
table ip nfpftest {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related counter accept
	}
}
EOF

cpid=
capture() { # file
	"$N" capture -n $B -t 8 -c 4 -w "$1" 2>"$1.err" &
	cpid=$!
	for _ in $(seq 1 50); do
		ip netns exec $B nft list tables 2>/dev/null | grep -q 'inet nfpath' && break
		sleep 0.1
	done
	ip netns exec $A ping -c 1 -W 2 10.79.0.2 >/dev/null
	ip netns exec $A ping -6 -c 1 -W 2 fd79::2 >/dev/null
	wait "$cpid" || { cat "$1.err"; exit 1; }
	cpid=
	"$N" -r "$1" --json >"$1.json"
}

check() { # file python-assertions
	python3 - "$1.json" "$2" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
v4 = [p for p in pk if p["proto"].lower() == "icmp"]
v6 = [p for p in pk if p["proto"].lower() == "icmpv6"]
exec(sys.argv[2])
PY
}

capture "$tmp/ct6-off.rec"
check "$tmp/ct6-off.rec" '
assert len(v4) == 2 and len(v6) == 2, [(p["proto"], p["summary"]) for p in pk]
# IPv4: the kernel tracks it and says so
assert [(p["ct"], p["ct_source"]) for p in v4] == [("new", "kernel"), ("established", "kernel")], v4
# IPv6: nothing needs conntrack for it here: not tracked, said by the kernel
for p in v6:
    assert p["ct"] is None and p["ct_source"] == "kernel", (p["summary"], p["ct"], p["ct_source"])
    assert any(h["ct"] == "none" for h in p["hops"]), p["hops"]
'
"$N" -r "$tmp/ct6-off.rec" --print | grep -q "ct not tracked (kernel)"

# now an ip6 rule needs conntrack: IPv6 packets carry the kernel state
ip netns exec $B nft -f - <<'EOF'
table ip6 nfpftest6 {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related counter accept
	}
}
EOF
capture "$tmp/ct6-on.rec"
check "$tmp/ct6-on.rec" '
assert len(v6) == 2, [(p["proto"], p["summary"]) for p in pk]
assert [(p["ct"], p["ct_source"]) for p in v6] == [("new", "kernel"), ("established", "kernel")], v6
'
echo "ct from the kernel: IPv6 not tracked, then tracked once an ip6 rule needs conntrack"
