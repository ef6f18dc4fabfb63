# shellcheck shell=bash disable=SC2154
# Several hosts, one journey: two namespaces joined by a veth pair are two
# hosts; a capture runs in each (its recording names its host), and
# nfpath -r A -r B merges them onto one timeline. Needs root.
set -eu
N=$(readlink -f "$NFPATH")
check_merge() { # A.rec B.rec hostA: B is piped in as -r -
"$N" -r "$1" -r - --json < "$2" > "$tmp/m.json" 2> "$tmp/m.err"
grep -q "^nfpath: -: clock [0-9.]* ms \(ahead of\|behind\) the first input's (from 6 packets both saw); corrected\$" "$tmp/m.err" ||
	{ echo "no clock correction message"; cat "$tmp/m.err"; exit 1; }
python3 - "$tmp/m.json" "$3" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
a, b = sys.argv[2], "far b"
assert len(pk) == 6, [p["summary"] for p in pk]
assert [p["direction"] for p in pk] == ["original", "reply"] * 3
for p in pk:
    assert p["hosts"] == ([a, b] if p["direction"] == "original" else [b, a]), (p["summary"], p["hosts"])
    # the kernel's drop events are machine-wide: each capture of this one
    # machine saw them, so they are left out of the per-host order
    hs = [h["host"] for h in p["hops"] if h["kind"] != "drop"]
    # one crossing: the hops of the sending host, then the receiving one's
    first = hs[0]
    k = hs.index(next(h for h in hs if h != first))
    assert all(h == first for h in hs[:k]) and all(h != first for h in hs[k:]), hs
    # out on the sender, in on the receiver
    nd = [h for h in p["hops"] if h["kind"] != "drop"]
    assert all(h["out"] and not h["in"] for h in nd[:k]) and all(h["in"] for h in nd[k:]), nd
PY
}

# the real recordings of such a run (tests/fixtures/hosts-*.rec): the first
# echo request's events reached the capture in nfpl-hosta 134 ms late
check_merge tests/fixtures/hosts-a.rec tests/fixtures/hosts-b.rec vm/nfpl-hosta
# the same with CRLF line ends (a recording passed through a Windows
# editor): still recordings with their hosts and clocks, still corrected
sed 's/$/\r/' tests/fixtures/hosts-a.rec > "$tmp/a-crlf.rec"
sed 's/$/\r/' tests/fixtures/hosts-b.rec > "$tmp/b-crlf.rec"
check_merge "$tmp/a-crlf.rec" "$tmp/b-crlf.rec" vm/nfpl-hosta
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
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

# merged: every echo is one journey over both hosts, the sender's walk
# first (events are stamped as each capture reads them: the clocks of two
# readers of one machine disagree by more than a packet's transit)
check_merge "$tmp/a.rec" "$tmp/b.rec" "$host/$A"

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
"$N" -r "$tmp/a.rec" -r "$tmp/b.rec" --screen 200x50 --keys '' > "$tmp/m.scr"
grep -q 'host  *# layer' "$tmp/m.scr" || { echo "no host column"; cat "$tmp/m.scr"; exit 1; }
grep -q 'far b' "$tmp/m.scr" || { echo "host not in the hop list"; exit 1; }
"$N" -r "$tmp/a.rec" --screen 200x50 --keys '' > "$tmp/a.scr"
! grep -q 'host  *# layer' "$tmp/a.scr" || { echo "host column for one host"; exit 1; }

# an older reader's view: without the #S line the same hops read the same
grep -v '^#S' "$tmp/a.rec" > "$tmp/a-old.rec"
"$N" -r "$tmp/a-old.rec" --stats > "$tmp/old.stats"
"$N" -r "$tmp/a.rec" --stats > "$tmp/new.stats"
grep -q '^lines malformed 0$' "$tmp/new.stats" || { echo "#S counted malformed"; cat "$tmp/new.stats"; exit 1; }
[ "$(grep '^hops\|^packets' "$tmp/old.stats")" = "$(grep '^hops\|^packets' "$tmp/new.stats")" ] || { echo "hops differ"; exit 1; }
echo ok
