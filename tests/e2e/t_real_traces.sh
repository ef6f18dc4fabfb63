# shellcheck shell=bash disable=SC2154
# Acceptance on the real traces of tests/fixtures/real (README there: how
# each was made and what the kernel did). Every trace file runs with the
# rulesets made with it; per file: no line is lost (hops + counted skipped
# + counted malformed == the file's lines), no packet spans seconds, and
# the facts below, one line each:
#
#   fact FILE 'python expression' 'what the kernel did (README)'
#
# The expression sees pk (the --json objects) and the helpers of facts.py
# below: sel(...) picks packets, cts/flows/dirs read them. Add a fact
# when the code that makes it true lands (main stays green).
set -eu
N=${NFPATH:-build/nfpath}
R=tests/fixtures/real

# trace file, then the rulesets captured with it
TRACES='
02-iptnft-nft-monitor-trace.txt 02-iptnft-nft-a-list-ruleset.txt
02-iptnft-nft-a-monitor-trace.txt 02-iptnft-nft-a-list-ruleset.txt
02-iptnft-xtables-monitor-trace.txt 02-iptnft-iptables-save.txt 02-iptnft-ip6tables-save.txt
03-nft-native-monitor-trace.txt 03-nft-native-a-list-ruleset.txt
03-nft-native-a-monitor-trace.txt 03-nft-native-a-list-ruleset.txt
03-nft-native-xtables-monitor-trace.txt 03-nft-native-a-list-ruleset.txt
04-ebtables-nft-log.dmesg 04-ebtables-nft-save.txt
04b-ebtables-nft-log-drop-prefix.kmsg 04-ebtables-nft-save.txt
05-nft-log-all-families.dmesg 05-nft-log-a-list-ruleset.txt
06-legacy-trace-and-LOG.dmesg 06-legacy-iptables-save.txt
07-kube-trace.kmsg 07-kube-iptables-save.txt
07-kube-trace.txt 07-kube-iptables-save.txt
'

: > "$tmp/facts"
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$tmp/facts"; }

# ---- the facts -----------------------------------------------------------
# the same traffic seen by every tool that saw IPv4 with ICMP types
for f in 02-iptnft-nft-monitor-trace.txt 02-iptnft-nft-a-monitor-trace.txt 03-nft-native-monitor-trace.txt \
	03-nft-native-a-monitor-trace.txt 05-nft-log-all-families.dmesg 06-legacy-trace-and-LOG.dmesg; do
	fact $f 'one_flow(ping("10.77.1.2", "10.77.1.3")[:4]) and cts(ping("10.77.1.2", "10.77.1.3")[:4]) == ["new", "established", "established", "established"]' \
		'ping a->b x2: one connection, NEW then ESTABLISHED'
	fact $f 'dirs(ping("10.77.1.2", "10.77.1.3")[:4]) == ["original", "reply", "original", "reply"]' 'ping a->b: request, reply'
	fact $f 'one_flow(ping("10.77.1.2", "10.77.2.2")[:4]) and cts(ping("10.77.1.2", "10.77.2.2")[:4]) == ["new", "established", "established", "established"]' \
		'ping a->c behind MASQUERADE: one connection'
	fact $f 'one_flow(sel(proto="tcp", port=2323)) and cts(sel(proto="tcp", port=2323)) == ["new", "established"]' \
		'TCP a -> r:2323 closed: SYN NEW, the RST answers it'
	fact $f 'len(flows(sel(proto="tcp", port=8080) + sel(proto="tcp", src="10.77.1.2", sport=80))) == 1' \
		'TCP c -> 8080 DNAT to a:80: one connection both ways'
	fact $f 'cts(sel(proto="udp", dport=9999)) == ["new"]' 'UDP to 9999 dropped: NEW, never answered'
done
for f in 02-iptnft-nft-monitor-trace.txt 02-iptnft-nft-a-monitor-trace.txt 03-nft-native-monitor-trace.txt \
	03-nft-native-a-monitor-trace.txt 05-nft-log-all-families.dmesg; do
	fact $f 'nd() and all(p["ct"] == "untracked" for p in nd())' 'neighbour discovery: conntrack leaves it untracked'
	fact $f 'all(a["flow"] != b["flow"] for a in adverts() for b in adverts() if a["dst"] != b["dst"]) and len(adverts()) >= 3' 'adverts to different peers are not one flow'
	fact $f 'cts(ping6("fd77:1::2", "fd77:1::3")) == ["new", "established"] and one_flow(ping6("fd77:1::2", "fd77:1::3"))' \
		'ping6 a->b: one connection'
done
for f in 05-nft-log-all-families.dmesg 06-legacy-trace-and-LOG.dmesg; do
	fact $f 'cts(sel(proto="tcp", dport=2525)) == ["new"] * 3 and one_flow(sel(proto="tcp", dport=2525))' \
		'TCP to 2525 dropped in INPUT: the SYN retransmits stay NEW'
	fact $f 'cts(ping("10.77.1.2", "10.77.2.99")) == ["new", "new"] and one_flow(ping("10.77.1.2", "10.77.2.99"))' \
		'ping to a host that does not exist: both NEW'
	fact $f 'related(errors()[-1], sel(proto="udp", dport=7777))' \
		'UDP 7777 closed: the port unreachable is RELATED to its flow, reply way'
done
fact 05-nft-log-all-families.dmesg 'related(errors()[0], sel(proto="udp", dport=5353)) and len(flows(errors())) == 2' \
	'two port unreachables for two UDP flows: each in its own flow'
fact 06-legacy-trace-and-LOG.dmesg 'related(sel(proto="icmp", src="10.77.1.1", dst="10.77.1.2", has="unreachable"), sel(proto="tcp", dport=81))' \
	'REJECT in FORWARD: the ICMP answer is RELATED to the SYN to port 81'
for f in 03-nft-native-monitor-trace.txt 03-nft-native-a-monitor-trace.txt 04-ebtables-nft-log.dmesg 05-nft-log-all-families.dmesg; do
	fact $f 'arp() and all(p["ct"] is None and p["ct_source"] is None for p in arp())' 'ARP: conntrack never sees it'
done
fact 04-ebtables-nft-log.dmesg 'len(arp()) >= 10' 'ARP a <-> b, r: every request and reply a packet of its own'
fact 04-ebtables-nft-log.dmesg 'one_flow(sel(proto="icmp", src="10.77.1.2", dst="10.77.1.3")[:2] + sel(proto="icmp", src="10.77.1.3", dst="10.77.1.2")[:2])' \
	'ping a->b x2: one conversation (ebtables lines carry no echo id)'
fact 04-ebtables-nft-log.dmesg 'len(sel(src="fd77:2::2")) == 3 and all(p["fate"]["kind"] == "forwarded" and p["fate"]["dev"] == "agbpa" for p in sel(src="fd77:2::2"))' \
	'replies from c (fd77:2::2), seen only at the bridge OUTPUT: routed by r from agbpc into the bridge, not made there'
fact 04-ebtables-nft-log.dmesg 'len(sel(src="fd77:1::1") + sel(src="10.77.1.1")) >= 5 and all(p["fate"]["kind"] == "sent" for p in sel(src="fd77:1::1") + sel(src="10.77.1.1"))' \
	'what r itself sent from its bridge addresses (ARP, ND, echo replies, RST): sent'
# a log line without a prefix names no rule: with --rules, the chain's one
# unprefixed log rule wrote it (ebtables), or the rule whose TRACE line
# came just before (legacy LOG)
for f in 04b-ebtables-nft-log-drop-prefix.kmsg 06-legacy-trace-and-LOG.dmesg; do
	fact $f 'all(h["rule_text"] for p in pk for h in p["hops"] if h["kind"] == "log")' 'every log hop has its rule text'
done
fact 04b-ebtables-nft-log-drop-prefix.kmsg '[h["rule_text"] for h in sel(dport=9997)[0]["hops"] if h["prefix"] is None] == ["-A FORWARD -p IPv4 --ip-proto udp --ip-dport 9997 --log-level notice --log-ip -j CONTINUE"]' \
	'UDP 9997 logged by the FORWARD rule with no prefix'
fact 04b-ebtables-nft-log-drop-prefix.kmsg 'len(flows(sel(proto="icmp"))) == 2' \
	'port unreachables for UDP 9998 and 9997: two answers, not one flow'
fact 04b-ebtables-nft-log-drop-prefix.kmsg 'all(p["ct"] is None for p in sel(proto="icmp"))' \
	'ebtables lines give ICMP no type: no state can be told'
for f in 07-kube-trace.kmsg 07-kube-trace.txt; do
	fact $f 'len(pk) == 18 and len(flows(pk)) == 3' 'curl to three ClusterIPs: three connections'
	fact $f 'cts(pk) == ["new"] + ["established"] * 5 + ["new"] + ["established"] * 5 + ["new"] + ["established"] * 5' \
		'the client ACKs after the handshake are ESTABLISHED (the reply was not traced)'
done
# every hop on a box (placed by its rule, its caller or its hook), with the
# rulesets made with the trace; arp chains never on the IP filter:INPUT
for f in $(echo "$TRACES" | awk 'NF {print $1}'); do
	fact $f 'all(h["box"] for p in pk for h in p["hops"])' 'every hop of the trace on a diagram box'
done
# an unknown fate's words are its family's: ARP goes to the neighbour
# layer, IPv6 to ip6's routing; neither has IPv4's routing decision
fact 04-ebtables-nft-log.dmesg 'unknown_words_fit() >= 2' 'ARP and IPv6 packets whose trace ends: the words of their own layer'
for f in 03-nft-native-monitor-trace.txt 03-nft-native-a-monitor-trace.txt; do
	fact $f 'unknown_words_fit() >= 0' 'ARP and IPv6 packets whose trace ends: the words of their own layer'
	# a broadcast the bridge floods is one frame: its copy out of agbpb,
	# the one passed up, and the arp layer's are one packet (each copy
	# has its own nft trace id)
	fact $f 'len([p for p in arp() if "request" in p["summary"] and "flooded by the bridge to 1 port (agbpb) and up to the host" in p["fate"]["text"]]) == 2' \
		'ARP a -> broadcast x2: each one frame, flooded to agbpb and up to r'
	fact $f 'not [p for p in arp() if "request" in p["summary"] and p["hops"][0]["box"] != "eb:nat:PREROUTING"]' \
		'no copy of a flooded ARP request is a packet of its own'
done
for f in 03-nft-native-monitor-trace.txt 05-nft-log-all-families.dmesg; do
	fact $f 'any(p["fate"]["box"] == "arp:INPUT" for p in arp()) and all(p["fate"]["kind"] == "delivered" or "and up to the host" in p["fate"]["text"] for p in arp() if p["fate"]["box"] == "arp:INPUT")' \
		'ARP accepted at arp INPUT: handed to arp_process, delivered'
done
fact 05-nft-log-all-families.dmesg 'all(h["box"] == "arp:INPUT" for p in pk for h in p["hops"] if h["family"] == "arp")' \
	'arp family chains are the arp hooks, not network filter:INPUT'

# ---- running ---------------------------------------------------------------
cat > "$tmp/facts.py" <<'PY'
import json, re, sys
def load(path):
    return [json.loads(l) for l in open(path)]
def ports(p):
    for h in p["hops"]:
        if h.get("sport") is not None:
            return h["sport"], h["dport"]
    return None, None
def sel(proto=None, src=None, dst=None, sport=None, dport=None, port=None, has=None):
    out = []
    for p in pk:
        sp, dp = ports(p)
        if proto and (p["proto"] or "").lower() != proto: continue
        if src and p["src"] != src: continue
        if dst and p["dst"] != dst: continue
        if sport is not None and sp != sport: continue
        if dport is not None and dp != dport: continue
        if port is not None and port not in (sp, dp): continue
        if has and has not in p["summary"]: continue
        out.append(p)
    return out
def echo_id(p):
    m = re.search(r" id (\d+) seq ", p["summary"])
    return m and int(m.group(1))
def ping(a, b, fam="icmp"):
    # the echo conversation whose first request went from a to b: requests
    # and replies by echo id (replies may show NATed addresses)
    echo = [p for p in pk if (p["proto"] or "").lower() == fam and echo_id(p)]
    first = [p for p in echo if "request" in p["summary"] and p["src"] == a and p["dst"] == b]
    return [p for p in echo if first and echo_id(p) == echo_id(first[0])]
def ping6(a, b):
    return ping(a, b, "icmpv6")
def nd():
    return [p for p in pk if "neighbor-" in p["summary"]]
def adverts():
    return [p for p in pk if "neighbor-advert" in p["summary"]]
def arp():
    return [p for p in pk if (p["proto"] or "").lower() == "arp" or p["summary"].startswith("ARP")]
def errors():
    return [p for p in pk if "unreachable" in p["summary"]]
def unknown_words_fit():
    # the number of ARP/IPv6 unknown fates checked, -1 when one has words of another family
    n = 0
    for p in pk:
        f = p["fate"]
        if f["kind"] != "unknown" or not f["why"] or not ("routing" in f["why"] or "neighbour" in f["why"]) or f["box"].startswith("eb:nat:PRE"):
            continue
        why = f["why"]
        if p in arp():
            fam_ok = "neighbour" in why
        elif p["summary"].startswith("ICMPv6") or ":" in (p["src"] or ""):
            fam_ok = "IPv6" in why and "Ip6InNoRoutes" in why
        else:
            continue
        if not fam_ok or "IpExtInNoRoutes" in why or "reverse-path" in why:
            print("packet %d (%s): %s" % (p["packet"], p["summary"], why))
            return -1
        n += 1
    return n
def cts(l): return [p["ct"] for p in l]
def dirs(l): return [p["direction"] for p in l]
def flows(l): return {p["flow"] for p in l}
def one_flow(l): return len(l) > 0 and len(flows(l)) == 1
def related(err, conn):
    if isinstance(err, list):
        if len(err) != 1: return False
        err = err[0]
    return bool(conn) and err["flow"] in flows(conn) and err["ct"] == "related" and err["direction"] == "reply"
name, path, facts = sys.argv[1], sys.argv[2], sys.argv[3]
pk = load(path)
bad = 0
for line in open(facts):
    f, expr, what = line.rstrip("\n").split("\t")
    if f != name: continue
    try:
        ok = eval(expr)
    except Exception as e:
        ok, what = False, "%s (%s: %s)" % (what, type(e).__name__, e)
    if not ok:
        print("%s: not true: %s\n    %s" % (name, what, expr))
        bad += 1
# no packet is two: one passes all its chains within seconds
for p in pk:
    ts = [h["ts"] for h in p["hops"] if h.get("ts") is not None]
    if ts and max(ts) - min(ts) > 5:
        print("%s: packet %d spans %.1f s" % (name, p["packet"], max(ts) - min(ts)))
        bad += 1
    if p["ct"] in ("new", "established") and ((p["proto"] or "").lower() == "arp" or "neighbor-" in p["summary"]):
        print("%s: packet %d (%s) has ct %s: conntrack does not track it" % (name, p["packet"], p["summary"], p["ct"]))
        bad += 1
sys.exit(1 if bad else 0)
PY

fail=0
listed=$(echo "$TRACES" | awk 'NF {print $1}' | sort)
present=$(cd $R && ls | grep -v -e README -e -save.txt -e -list-ruleset.txt | sort)
if [ "$listed" != "$present" ]; then
	echo "trace files and this test's list differ:"
	diff <(echo "$listed") <(echo "$present") || true
	fail=1
fi
while read -r trace rules; do
	[ -n "$trace" ] || continue
	args=()
	for r in $rules; do args+=(--rules "$R/$r"); done
	out=$tmp/$trace
	if ! "$N" -r "$R/$trace" "${args[@]}" --stats >"$out.stats" 2>"$out.err" ||
		! "$N" -r "$R/$trace" "${args[@]}" --json >"$out.json" 2>/dev/null; then
		echo "$trace: nfpath failed: $(tail -1 "$out.err")"
		fail=1
		continue
	fi
	# every line is a hop, a counted skipped line or a counted malformed one
	lines=$(awk 'END {print NR}' "$R/$trace")
	read -r read hops skipped bad < <(awk '/^lines read/ {r=$3} /^lines skipped/ {s=$3} /^lines malformed/ {m=$3}
		/^hops / {h=$2} END {print r, h, s, m}' "$out.stats")
	if [ "$read" != "$lines" ] || [ $((hops + skipped + bad)) != "$lines" ]; then
		echo "$trace: $lines lines, read $read: $hops hops + $skipped skipped + $bad malformed"
		fail=1
	fi
	python3 "$tmp/facts.py" "$trace" "$out.json" "$tmp/facts" || fail=1
	# one word for one verdict: a REJECT is "reject" in the box table and
	# "rejected" in the fate and died-at tables, never a drop
	read -r bdrop brej fdrop frej ddrop drej < <(awk '/^layer +box/ {t=1; next} /^layer +died at/ {t=3; next}
		/^fate / {t=2; next} /^$/ {t=0} t==1 {bd+=$5; br+=$6} t==2 && $1=="dropped" {fd=$2} t==2 && $1=="rejected" {fr=$2}
		t==3 {dd+=$3; dr+=$4} END {print bd+0, br+0, fd+0, fr+0, dd+0, dr+0}' "$out.stats")
	if [ "$frej" != "$drej" ] || [ "$fdrop" != "$ddrop" ] || [ "$brej" != "$frej" ]; then
		echo "$trace: --stats: box table drop $bdrop reject $brej, fates dropped $fdrop rejected $frej, died at dropped $ddrop rejected $drej"
		fail=1
	fi
done <<<"$TRACES"
n=$(wc -l < "$tmp/facts")
[ $fail = 0 ] && echo "$(echo "$TRACES" | grep -c .) real traces: lines accounted, $n facts true"
exit $fail
