# The journeys of the two-host lab, checked from nfpath --json of merged
# recordings (t_journeys.sh on the real fixtures, t_lab_hosts.sh live):
#   python3 journeys_check.py DIR HOST1 HOST2 [exact]
# reads DIR/http.json (c1 fetches x1's port published on host 2),
# DIR/rule.json (host 2's DOCKER-USER drops c1's pings), DIR/closed.json
# (host 2's closed port) and, when present, DIR/purge.json. exact: the
# fixtures' packet counts (a live run's TCP may differ).
import json, os, sys

d, h1, h2 = sys.argv[1:4]
exact = len(sys.argv) > 4


def load(w):
    return [json.loads(l) for l in open(f"{d}/{w}.json")]


def nat(p, host):
    return [(h["box"], h["rule_text"] or h["verdict"]) for h in p["hops"]
            if h["host"] == host and (h["box"] or "").startswith("nat:")]


# HTTP: one connection, every segment one journey over both hosts
pk = load("http")
assert len(pk) == 12 if exact else len(pk) >= 6, len(pk)
assert len({p["flow"] for p in pk}) == 1, [p["flow"] for p in pk]
for p in pk:
    want = [h1, h2] if p["direction"] == "original" else [h2, h1]
    assert p["hosts"] == want, (p["packet"], p["summary"], p["hosts"])
    assert p["fate"]["kind"] == "forwarded", (p["packet"], p["fate"]["text"])
    assert p["fate"]["host"] == want[1], (p["packet"], p["fate"])
    assert want[1] in p["fate"]["text"], p["fate"]["text"]
syn = pk[0]
assert syn["direction"] == "original" and syn["ct"] == "new", (syn["direction"], syn["ct"])
assert pk[1]["direction"] == "reply", pk[1]["summary"]
# the first packet crosses the nat table on both hosts: host 1
# masquerades it, host 2 DNATs it to x1
assert any(b == "nat:POSTROUTING" and v.endswith("masquerade") for b, v in nat(syn, h1)), nat(syn, h1)
assert any(b == "nat:PREROUTING" and v.endswith("dnat to 172.18.0.2:80") for b, v in nat(syn, h2)), nat(syn, h2)
for p in pk[1:]:
    assert nat(p, h1) == [] and nat(p, h2) == [], (p["packet"], nat(p, h1), nat(p, h2))

# the DROP rule on host 2: the fate is that rule, on host 2; the kernel's
# drop, which both captures of this one machine recorded, once, on host 2
pk = [p for p in load("rule") if p["proto"] == "icmp"]
assert len(pk) == 2, [p["summary"] for p in pk]
for p in pk:
    f = p["fate"]
    assert p["hosts"] == [h1, h2], p["hosts"]
    assert (f["kind"], f["by"], f["box"], f["chain"], f["host"]) == ("dropped", "rule", "filter:FORWARD", "DOCKER-USER", h2), f
    # the rule's text, from the ruleset: 'lab drop' inserted the rule after
    # the capture had listed it (the capture lists again for it)
    assert "drop" in (f["rule_text"] or "") and "172.17.0.2" in f["rule_text"], f["rule_text"]
    drops = [h for h in p["hops"] if h["kind"] == "drop"]
    assert [h["host"] for h in drops] == [h2], [(h["host"], h["box"]) for h in drops]
    assert p["hops"][-1]["host"] == h2

# host 2's closed port: the SYN dies in host 2's TCP, its RST comes back
pk = load("closed")
assert len(pk) == 2, [p["summary"] for p in pk]
f = pk[0]["fate"]
assert (f["kind"], f["by"], f["reason"], f["host"]) == ("dropped", "kernel", "NO_SOCKET", h2), f
assert [h["host"] for h in pk[0]["hops"] if h["kind"] == "drop"] == [h2]
assert pk[1]["direction"] == "reply" and pk[1]["hosts"] == [h2, h1], (pk[1]["direction"], pk[1]["hosts"])
assert pk[1]["flow"] == pk[0]["flow"]
# the RST was made on host 2 and left host 1 to c1
f = pk[1]["fate"]
assert (f["kind"], f["host"]) == ("sent", h1) and f["text"].startswith(f"sent: made on {h2}, left through "), f

# a FIN that x1's closing socket freed (QUEUE_PURGE) reached x1: forwarded
if os.path.exists(f"{d}/purge.json"):
    pk = load("purge")
    fin = [p for p in pk if any(h["kind"] == "drop" for h in p["hops"])]
    assert fin, "no packet with the QUEUE_PURGE hop"
    for p in fin:
        assert p["fate"]["kind"] == "forwarded", p["fate"]["text"]
    for p in pk:
        assert p["fate"]["kind"] != "dropped", (p["packet"], p["fate"]["text"])
