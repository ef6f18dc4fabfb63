# shellcheck shell=bash disable=SC2154
# Live capture in the namespace lab: the real Docker engine (nft backend)
# and the hand-built lab. Needs root; skipped otherwise.
set -eu
. tests/e2e/lab_common.sh

check() { # file python-assertions
	"$N" -r "$1" --json > "$1.json"
	python3 - "$1.json" "$2" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
def hops(p, probes=False):
    return [h for h in p["hops"] if probes or not h["probe"]]
def boxes(p):
    return [(h["layer"], h["box"]) for h in hops(p)]
exec(sys.argv[2])
PY
}

no_tables() {
	if ip netns exec nfpl-host nft list tables 2>/dev/null | grep -q nfpath; then
		echo "an nfpath table remained after $1"
		return 1
	fi
}

bindings() { ip netns exec nfpl-host sh -c 'cat /proc/sys/net/netfilter/nf_log/2 /proc/sys/net/netfilter/nf_log/10 /proc/sys/net/netfilter/nf_log/7' | tr '\n' ' '; }

for variant in docker legacy plain; do
	echo "== $variant"
	$LAB down >/dev/null
	case $variant in
	plain) $LAB up --plain >/dev/null ;;
	legacy) $LAB up --backend legacy >/dev/null ;;
	*) $LAB up >/dev/null ;;
	esac
	before=$(bindings)

	cap 6 "$tmp/c2c.rec" -- $LAB ping c2c 3
	check "$tmp/c2c.rec" '
assert len(pk) == 6, len(pk)
assert len({p["flow"] for p in pk}) == 1
assert ("link", "nat:PREROUTING") in boxes(pk[0]), boxes(pk[0])
assert pk[0]["ct"] == "new" and pk[0]["ct_source"] == "kernel"
for p in pk[1:]:
    assert not [b for b in boxes(p) if b[1].startswith("nat:")], boxes(p)
    assert p["ct"] == "established" and p["ct_source"] == "kernel", (p["ct"], p["ct_source"])
assert [p["direction"] for p in pk] == ["original", "reply"] * 3
'
	if [ $variant = plain ]; then
		check "$tmp/c2c.rec" 'assert ("link", "eb:filter:FORWARD") in boxes(pk[0]), boxes(pk[0])'
	fi
	if [ $variant = legacy ]; then
		# legacy iptables hops came through NFLOG, with rule text from iptables-legacy-save
		check "$tmp/c2c.rec" '
leg = [h for h in hops(pk[0]) if h["box"] == "filter:FORWARD" and h["rule"] is not None]
assert leg and leg[0]["physin"] and leg[0]["rule_text"].startswith("-A FORWARD"), leg[:1]
'
	fi
	[ "$(bindings)" = "$before" ] || { echo "nf_log bindings changed: $before -> $(bindings)"; exit 1; }
	no_tables "-c"

	cap 2 "$tmp/c2out.rec" -- $LAB ping c2out 1
	check "$tmp/c2out.rec" '
assert len(pk) == 2 and pk[0]["flow"] == pk[1]["flow"], [(p["flow"], p["summary"]) for p in pk]
m = [h for h in hops(pk[0]) if h["box"] == "nat:POSTROUTING" and "masquerade" in (h["rule_text"] or "").lower()]
assert m and m[0]["layer"] == "network", hops(pk[0])
assert pk[1]["direction"] == "reply"
'

	cap 4 "$tmp/http.rec" -e "tcp dport { 80, 8080 }" -e "tcp sport { 80, 8080 }" -- $LAB http
	check "$tmp/http.rec" '
d = [h for h in hops(pk[0]) if "dnat" in (h["rule_text"] or "").lower()]
assert d and d[0]["chain"] == "DOCKER", hops(pk[0])
assert pk[1]["direction"] == "reply" and pk[1]["flow"] == pk[0]["flow"], pk[1]
assert pk[1]["src"].endswith(".4"), pk[1]["src"]
'

	cap 2 "$tmp/h2c.rec" -- $LAB ping h2c 1
	check "$tmp/h2c.rec" '
first = hops(pk[0], probes=True)[0]
assert first["box"] in ("raw:OUTPUT", "mangle:OUTPUT", "nat:OUTPUT", "filter:OUTPUT"), first
assert first["layer"] == "network"
'
done

# clean-up on every way a capture can end (the lab is the plain one now)
before=$(bindings)
for sig in KILL INT TERM HUP; do
	"$N" capture -n nfpl-host -t 30 -w "$tmp/sig.rec" 2>/dev/null &
	cpid=$!
	armed
	ip netns exec nfpl-host nft list tables | grep -q 'bridge nfpath'
	bindings | grep -q nfnetlink_log || { echo "nfnetlink_log not bound while capturing: $(bindings)"; exit 1; }
	kill -s $sig $cpid
	wait $cpid 2>/dev/null || true
	sleep 0.2
	no_tables "SIG$sig"
	head -1 "$tmp/sig.rec" | grep -q '^# nfpath recording v2$'
	# the watchdog puts the nf_log bindings back, even after SIGKILL
	for _ in $(seq 1 30); do [ "$(bindings)" = "$before" ] && break; sleep 0.1; done
	[ "$(bindings)" = "$before" ] || { echo "nf_log bindings after SIG$sig: $(bindings), before: $before"; exit 1; }
done

# without privileges: a clear message and exit 1
if command -v setpriv >/dev/null; then
	set +e
	setpriv --reuid=65534 --regid=65534 --clear-groups "$N" capture -t 1 >/dev/null 2>"$tmp/np.err"
	rc=$?
	set -e
	[ $rc = 1 ] || { echo "unprivileged capture exited $rc"; cat "$tmp/np.err"; exit 1; }
	grep -q "CAP_NET_ADMIN" "$tmp/np.err" || { cat "$tmp/np.err"; exit 1; }
fi
