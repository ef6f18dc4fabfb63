# shellcheck shell=bash disable=SC2154
# --print and --json on the shared sample say what the issue asks.
set -eu
N=$NFPATH
R="--rules tests/fixtures/docker-c2c-iptables-save.txt --rules tests/fixtures/docker-c2c-ebtables-save.txt"
$N -r tests/fixtures/docker-c2c-ping.log $R --json > "$tmp/j"
python3 - "$tmp/j" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
assert len(pk) == 3, len(pk)
assert [p["flow"] for p in pk] == [1, 1, 1]
assert [p["direction"] for p in pk] == ["original", "reply", "original"]
assert [p["ct"] for p in pk] == ["new", "established", "established"]
assert all(p["ct_source"] == "inferred" for p in pk)
assert pk[0]["summary"] == "ICMP echo-request 192.168.0.2 > 192.168.0.3 id 90 seq 1", pk[0]["summary"]
boxes = [h["box"] for h in pk[0]["hops"]]
want = ["eb:broute:BROUTING", "eb:nat:PREROUTING", "raw:PREROUTING", "nat:PREROUTING", "eb:filter:FORWARD"] + \
       ["filter:FORWARD"] * 7 + ["eb:nat:POSTROUTING", "nat:POSTROUTING"]
assert boxes == want, boxes
assert all(h["layer"] == "link" for h in pk[0]["hops"])
chains = {h["chain"] for h in pk[0]["hops"]}
assert {"DOCKER-USER", "DOCKER-ISOLATION", "DOCKER"} <= chains
r4 = [h for h in pk[0]["hops"] if h["box"] == "filter:FORWARD" and h["rule"] == 4][0]
assert r4["rule_text"] == "-A FORWARD -o docker0 -j DOCKER", r4
for p in pk[1:]:
    assert not [h for h in p["hops"] if h["box"] in ("nat:PREROUTING", "nat:POSTROUTING")]
for k in ("n", "layer", "box", "family", "table", "chain", "kind", "rule", "handle", "verdict", "rule_text",
          "in", "out", "physin", "physout", "src", "dst", "ts"):
    assert k in pk[0]["hops"][0], k
PY
$N -r tests/fixtures/docker-c2c-ping.log $R --print --packet 1 > "$tmp/p"
grep -q "^packet 1  flow 1  original  ct new (inferred)  14 hops" "$tmp/p"
grep -q "rule 4 .*-A FORWARD -o docker0 -j DOCKER" "$tmp/p"
[ "$(grep -c '^packet' "$tmp/p")" = 1 ]
