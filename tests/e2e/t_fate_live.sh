# shellcheck shell=bash disable=SC2154
# A ping dropped by a DOCKER-USER rule on the real Docker engine of the lab
# (issue 12): its fate says dropped at filter:FORWARD by that rule in
# --print, --json, the diagram and its caption, and --compare against a ping
# that got through. Needs root; skipped otherwise.
set -eu
. tests/e2e/lab_common.sh

for backend in nft legacy; do
echo "== $backend"
$LAB down >/dev/null
$LAB up --backend $backend >/dev/null
export DOCKER_HOST=unix://$NFPL_DIR/docker.sock # containers named in the recording
IPT=iptables
[ $backend = legacy ] && IPT=iptables-legacy # what dockerd uses there
H() { ip netns exec nfpl-host "$@"; }

# one ping with the rule (no answer), then one without it
H $IPT -I DOCKER-USER -p icmp -j DROP
cap 3 "$tmp/drop.rec" -- sh -c "$LAB ping c2c 1 || true; ip netns exec nfpl-host $IPT -D DOCKER-USER -p icmp -j DROP; $LAB ping c2c 1"
if H $IPT -C DOCKER-USER -p icmp -j DROP 2>/dev/null; then
	echo "the DROP rule is still there"
	exit 1
fi

"$N" -r "$tmp/drop.rec" --json > "$tmp/drop.json"
python3 - "$tmp/drop.json" $backend <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
assert len(pk) == 3, [p["summary"] for p in pk]
f = pk[0]["fate"]
assert f["kind"] == "dropped" and f["by"] == "rule", f
assert f["box"] == "filter:FORWARD" and f["chain"] == "DOCKER-USER", f
assert "drop" in f["rule_text"].lower() and "icmp" in f["rule_text"], f
if sys.argv[2] == "legacy":
    assert f["rule"] == 1 and f["rule_text"] == "-A DOCKER-USER -p icmp -j DROP", f
assert pk[0]["hops"][f["hop"] - 1]["verdict"] == "drop", pk[0]["hops"][f["hop"] - 1]
assert pk[0]["proto"] == "icmp"
# the undropped ping: to c2 and back to c1
assert pk[1]["fate"]["kind"] == "forwarded" and pk[1]["fate"]["dev_name"] == "c2", pk[1]["fate"]
assert pk[2]["fate"]["kind"] == "forwarded" and pk[2]["fate"]["dev_name"] == "c1", pk[2]["fate"]
PY

"$N" -r "$tmp/drop.rec" --print -p 1 > "$tmp/p"
grep -q '^  fate: dropped at filter:FORWARD by rule .* DOCKER-USER: .*\(drop\|DROP\)' "$tmp/p" || { cat "$tmp/p"; exit 1; }

LC_ALL=C.UTF-8 "$N" -r "$tmp/drop.rec" --diagram -p 1 --width 200 --height 50 > "$tmp/d"
grep -q '^enters at veth[0-9a-f]* \[c1\], ✗ dropped at filter:FORWARD by rule .* DOCKER-USER$' "$tmp/d" || { tail -3 "$tmp/d"; exit 1; }
grep -v '^enters' "$tmp/d" | grep -q '[0-9]✗'
if grep -q 'leaves at' "$tmp/d"; then echo "the dropped ping is said to leave"; exit 1; fi

"$N" -r "$tmp/drop.rec" --compare 2,1 > "$tmp/c"
grep -q '^fate: packet 2 forwarded to c2; packet 1 dropped at filter:FORWARD by rule .* DOCKER-USER$' "$tmp/c" || { cat "$tmp/c"; exit 1; }
done
