# shellcheck shell=bash disable=SC2154
# Several hosts, one journey: two namespaces joined by a veth pair are two
# hosts; a capture runs in each (its recording names its host), and
# nfpath -r A -r B merges them onto one timeline. Needs root.
set -eu
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
N=$(readlink -f "$NFPATH")
A=nfpl-hosta B=nfpl-hostb
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	ip netns del $A 2>/dev/null || true
	ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT INT TERM
cleanup
ip netns add $A
ip netns add $B
ip -n $A link add va type veth peer name vb netns $B
ip -n $A addr add 10.77.0.1/24 dev va
ip -n $B addr add 10.77.0.2/24 dev vb
ip -n $A link set va up
ip -n $B link set vb up
ip -n $A link set lo up
ip -n $B link set lo up

armed() {
	for _ in $(seq 1 50); do
		ip netns exec "$1" nft list tables 2>/dev/null | grep -q 'inet nfpath' && return 0
		sleep 0.1
	done
	echo "capture in $1 never armed"
	return 1
}
"$N" capture -n $A -c 6 -t 20 -w "$tmp/a.rec" 2>"$tmp/a.err" &
pa=$!
pids="$pa"
"$N" capture -n $B -c 6 -t 20 --host-name 'far b' -w "$tmp/b.rec" 2>"$tmp/b.err" &
pb=$!
pids="$pa $pb"
armed $A
armed $B
ip netns exec $A ping -c 3 -i 0.2 -W 1 10.77.0.2 >/dev/null
wait $pa || { cat "$tmp/a.err"; exit 1; }
wait $pb || { cat "$tmp/b.err"; exit 1; }
pids=

host=$(hostname)
# the recordings name their hosts and their clocks
grep -q "^#S	host=$host/$A	realtime=[0-9]*\.[0-9]*	monotonic=[0-9]*\.[0-9]*\$" "$tmp/a.rec" ||
	{ echo "no host record in a.rec"; head -5 "$tmp/a.rec"; exit 1; }
grep -q "^#S	host=far b	" "$tmp/b.rec" || { echo "--host-name not in b.rec"; exit 1; }

# merged: every echo is one journey over both hosts, in time order
"$N" -r "$tmp/a.rec" -r - --json < "$tmp/b.rec" > "$tmp/m.json"
python3 - "$tmp/m.json" "$host/$A" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
a, b = sys.argv[2], "far b"
assert len(pk) == 6, [p["summary"] for p in pk]
for p in pk:
    assert p["hosts"] == ([a, b] if p["direction"] == "original" else [b, a]), (p["summary"], p["hosts"])
    hs = [h["host"] for h in p["hops"]]
    # one crossing: the hops of the sending host, then the receiving one's
    first = hs[0]
    k = hs.index(next(h for h in hs if h != first))
    assert all(h == first for h in hs[:k]) and all(h != first for h in hs[k:]), hs
    ts = [h["ts"] for h in p["hops"] if h["ts"] is not None]
    assert ts == sorted(ts), ts
    # out on the sender, in on the receiver
    assert any(h["out"] for h in p["hops"][:k]) and any(h["in"] for h in p["hops"][k:]), p["hops"]
PY

# alone, each recording is its own host's half
"$N" -r "$tmp/a.rec" --json > "$tmp/a.json"
python3 - "$tmp/a.json" "$host/$A" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
assert len(pk) == 6 and all(p["hosts"] == [sys.argv[2]] for p in pk), [p["hosts"] for p in pk]
PY

# --print shows the hosts and where the journey moves; one host: no host lines
"$N" -r "$tmp/a.rec" -r "$tmp/b.rec" --print > "$tmp/m.txt"
grep -q "^  hosts: $host/$A, far b\$" "$tmp/m.txt" || { echo "no hosts line"; head -20 "$tmp/m.txt"; exit 1; }
[ "$(grep -c '^   on far b$' "$tmp/m.txt")" = 6 ] || { echo "host changes not shown"; head -30 "$tmp/m.txt"; exit 1; }
"$N" -r "$tmp/a.rec" --print > "$tmp/a.txt"
! grep -q '^  hosts\?: \|^   on ' "$tmp/a.txt" || { echo "host lines for one host"; exit 1; }

# the explorer: a host column only with several hosts
"$N" -r "$tmp/a.rec" -r "$tmp/b.rec" --screen 120x40 --keys '' > "$tmp/m.scr"
grep -q 'host          # layer' "$tmp/m.scr" || { echo "no host column"; cat "$tmp/m.scr"; exit 1; }
grep -q 'far b' "$tmp/m.scr" || { echo "host not in the hop list"; exit 1; }
"$N" -r "$tmp/a.rec" --screen 120x40 --keys '' > "$tmp/a.scr"
! grep -q 'host          # layer' "$tmp/a.scr" || { echo "host column for one host"; exit 1; }

# an older reader's view: without the #S line the same hops read the same
grep -v '^#S' "$tmp/a.rec" > "$tmp/a-old.rec"
"$N" -r "$tmp/a-old.rec" --stats > "$tmp/old.stats"
"$N" -r "$tmp/a.rec" --stats > "$tmp/new.stats"
grep -q '^lines malformed 0$' "$tmp/new.stats" || { echo "#S counted malformed"; cat "$tmp/new.stats"; exit 1; }
[ "$(grep '^hops\|^packets' "$tmp/old.stats")" = "$(grep '^hops\|^packets' "$tmp/new.stats")" ] || { echo "hops differ"; exit 1; }
echo ok
