# shellcheck shell=bash disable=SC2154
# The two-host lab: c1 on host 1 pings x1 on host 2 through the VXLAN
# overlay (flannel's vxlan backend, by hand); a capture on each host, the
# recordings merged: one journey per packet over both hosts, the overlay's
# outer packet as its own step (tunnel: true). Needs root.
set -eu
check_lab() { # host1.rec host2.rec hostname [tunnel]
"$N" -r "$1" -r "$2" --json > "$tmp/m.json" 2>"$tmp/m.err"
python3 - "$tmp/m.json" "$3/nfpl-host" "$3/nfpl-host2" "${4:-}" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
h1, h2 = sys.argv[2], sys.argv[3]
tunnel = sys.argv[4] == "tunnel"
assert len(pk) == 6, [(p["summary"], p["hosts"]) for p in pk]
assert [p["direction"] for p in pk] == ["original", "reply"] * 3, [p["direction"] for p in pk]
for p in pk:
    want = [h1, h2] if p["direction"] == "original" else [h2, h1]
    assert p["hosts"] == want, (p["summary"], p["hosts"])
    # the kernel's drop events are machine-wide: both captures of this one
    # machine saw them, so they are left out of the per-host order
    # the overlay's outer packet: its hops between the two walks, leaving
    # the sending host and entering the other, VXLAN VNI 1 over the underlay
    tu = p.get("tunnel")
    if tunnel:
        assert tu and tu["kind"] == "vxlan" and tu["vni"] == 1, tu
        assert [tu["from_host"], tu["to_host"]] == want, tu
        assert [tu["dev_in"], tu["underlay_out"], tu["underlay_in"], tu["dev_out"]] == ["flannel.1", "eth1", "eth1", "flannel.1"], tu
        ends = ["192.168.77.1", "192.168.77.2"] if want[0] == h1 else ["192.168.77.2", "192.168.77.1"]
        assert [tu["src"], tu["dst"], tu["dport"]] == ends + [8472], tu
        th = [h for h in p["hops"] if h["tunnel"]]
        assert [h["n"] for h in th] == list(range(tu["first_hop"], tu["last_hop"] + 1)), [h["n"] for h in th]
        assert all(h["tunnel"] == {"kind": "vxlan", "vni": 1} and h["dport"] == 8472 for h in th), th
        assert [h["host"] for h in th] == sorted([h["host"] for h in th], key=want.index), [h["host"] for h in th]
        assert {h["host"] for h in th} == set(want), [h["host"] for h in th]
    else:
        assert tu is None, tu
    nd = [h for h in p["hops"] if h["kind"] != "drop" and not h.get("tunnel")]
    hs = [h["host"] for h in nd]
    k = hs.index(want[1])
    assert hs[:k] == [want[0]] * k and hs[k:] == [want[1]] * (len(hs) - k), hs
    # into the overlay on the sending host, out of it on the receiving one
    assert "flannel.1" in [h["out"] for h in nd[:k]], [(h["box"], h["in"], h["out"]) for h in nd[:k]]
    assert nd[k]["in"] == "flannel.1", (nd[k]["box"], nd[k]["in"])
    # the TTL goes down along the journey: each host routed it once
    ttl = [h["ttl"] for h in nd if h.get("ttl") is not None]
    assert ttl == sorted(ttl, reverse=True), ttl
    if p["direction"] == "original":
        assert p["fate"]["kind"] == "forwarded", p["fate"]["text"]
PY
}
# the real recordings of such a run (tests/fixtures/lab2-host*.rec)
N=$(readlink -f "$NFPATH")
check_lab tests/fixtures/lab2-host1.rec tests/fixtures/lab2-host2.rec vm
# a run whose readers interleaved the request's walks on the two hosts
check_lab tests/fixtures/lab2b-host1.rec tests/fixtures/lab2b-host2.rec vm
# a run whose captures traced the overlay's outer packets too (tests/fixtures/tunnel)
check_lab tests/fixtures/tunnel/x2x-host1.rec tests/fixtures/tunnel/x2x-host2.rec vm tunnel
. tests/e2e/lab_common.sh
$LAB down >/dev/null
$LAB up --plain --hosts 2 >/dev/null
# the overlay as flannel builds it
ip -n nfpl-host -d link show flannel.1 | grep -q 'vxlan id 1 local 192.168.77.1 dev eth1 .*dstport 8472' ||
	{ ip -n nfpl-host -d link show flannel.1; exit 1; }
ip -n nfpl-host route show 172.18.0.0/16 | grep -q 'via 172.18.0.0 dev flannel.1 onlink'

armed2() {
	for _ in $(seq 1 50); do
		ip netns exec "$1" nft list tables 2>/dev/null | grep -q 'inet nfpath' && return 0
		sleep 0.1
	done
	echo "capture in $1 never armed"
	return 1
}
"$N" capture -n nfpl-host -c 6 -t 20 -w "$tmp/h1.rec" 2>"$tmp/h1.err" &
p1=$!
"$N" capture -n nfpl-host2 -c 6 -t 20 -w "$tmp/h2.rec" 2>"$tmp/h2.err" &
p2=$!
trap 'kill $p1 $p2 2>/dev/null || true; wait $p1 $p2 2>/dev/null || true; $LAB down >/dev/null 2>&1 || true' EXIT
armed2 nfpl-host
armed2 nfpl-host2
$LAB ping x2x 3 >/dev/null
wait $p1 || { cat "$tmp/h1.err"; exit 1; }
wait $p2 || { cat "$tmp/h2.err"; exit 1; }
# one host's lab is still the one-host lab
$LAB down >/dev/null

check_lab "$tmp/h1.rec" "$tmp/h2.rec" "$(hostname)" tunnel

# c1 fetches the port host 2 publishes for x1 (NAT on both hosts), host 2's
# DOCKER-USER drops c1's pings, host 2's closed port: captured on both
# hosts as tests/fixtures/lab2j was made, one journey per packet with its
# fate on host 2 (tests/e2e/journeys_check.py)
tests/fixtures/lab2j/make.sh "$N" "$tmp/j" >/dev/null 2>"$tmp/j.err" || { cat "$tmp/j.err"; exit 1; }
for w in http rule closed; do
	"$N" -r "$tmp/j/lab2j-$w-host1.rec" -r "$tmp/j/lab2j-$w-host2.rec" --json > "$tmp/j/$w.json" 2>/dev/null
done
python3 tests/e2e/journeys_check.py "$tmp/j" "$(hostname)/nfpl-host" "$(hostname)/nfpl-host2"
"$N" -r "$tmp/j/lab2j-rule-host1.rec" -r "$tmp/j/lab2j-rule-host2.rec" --print 2>/dev/null |
	grep -q "^  fate: dropped at filter:FORWARD on $(hostname)/nfpl-host2 by rule handle [0-9]* in DOCKER-USER"
"$N" -r "$tmp/j/lab2j-http-host1.rec" -r "$tmp/j/lab2j-http-host2.rec" --compare 1,3 2>/dev/null |
	grep -q "skips nat:PREROUTING, nat:POSTROUTING on $(hostname)/nfpl-host and nat:PREROUTING, nat:POSTROUTING on $(hostname)/nfpl-host2"
echo ok
