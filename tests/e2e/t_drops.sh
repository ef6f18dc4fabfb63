# shellcheck shell=bash disable=SC2154
# Kernel drop reasons in the lab (eBPF on skb:kfree_skb): each `lab drop`
# case must end its packets with a drop hop of the right reason, on the
# right diagram box, joined to the traced packet. Needs root and a kernel
# with BTF; skipped otherwise.
set -eu
. tests/e2e/lab_common.sh
[ -r /sys/kernel/btf/vmlinux ] || { echo "kernel without BTF: no drop reasons to test"; exit 77; }

# check FILE REASON BOX [LOCATION-SUBSTRING]: every packet of the capture that
# has a drop hop ends with it, on BOX, and the recording names REASON
check() {
	local file=$1 reason=$2 box=$3 loc=${4:-}
	grep -q "^# kernel drop reasons: on" "$file" || { head -5 "$file"; echo "drop reasons were off"; return 1; }
	"$N" -r "$file" --json > "$file.json"
	python3 - "$file" "$file.json" "$reason" "$box" "$loc" <<'PY'
import json, sys
rec, js, reason, box, loc = sys.argv[1:6]
drops = []
for l in open(rec):
    if l.startswith("H\t") and "\tkind=drop\t" in l:
        f = dict(kv.split("=", 1) for kv in l.rstrip("\n").split("\t")[1:])
        drops.append(f)
assert drops, "no drop record in " + rec
mine = [d for d in drops if d.get("reason") == reason]
assert mine, (reason, [d.get("reason") for d in drops])
if loc:
    assert any(loc in d.get("loc", "") for d in mine), [d.get("loc") for d in mine]
pk = [json.loads(l) for l in open(js)]
ended = [p for p in pk if p["hops"] and p["hops"][-1]["kind"] == "drop"]
assert ended, "no packet ends with a drop hop"
for p in pk:
    kinds = [h["kind"] for h in p["hops"]]
    if "drop" in kinds:
        assert kinds[-1] == "drop", ("drop hop is not the last", kinds)
# the drop joined a traced packet: it has netfilter hops before it
joined = [p for p in ended if len(p["hops"]) > 1]
# every traced packet's drop joins it (the tracer is attached before the
# trace tables arm, and a drop waits for its packet's events)
assert len(joined) == len(ended), ("drops that did not join their packet", len(ended) - len(joined))
boxes = {p["hops"][-1]["box"] for p in joined}
assert box in boxes, (box, boxes)
print("ok", reason, box, len(joined), "of", len(pk))
PY
}

$LAB down >/dev/null
$LAB up >/dev/null
host=$($LAB addr host)

cap 3 "$tmp/rpf.rec" --host 10.99.0.1 -- $LAB drop rpfilter 3
check "$tmp/rpf.rec" IP_RPFILTER route_in

cap 3 "$tmp/noroute.rec" --host 198.51.100.1 -- $LAB drop noroute 3
check "$tmp/noroute.rec" IP_INNOROUTES route_in

cap 3 "$tmp/closed.rec" --port 9 -- $LAB drop closed 3
check "$tmp/closed.rec" NO_SOCKET socket_lookup tcp_v4_rcv

cap 3 "$tmp/rule.rec" -- $LAB drop rule 3
check "$tmp/rule.rec" NETFILTER_DROP filter:FORWARD
# the rule that dropped it is the hop before
python3 - "$tmp/rule.rec.json" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
p = [p for p in pk if p["hops"] and p["hops"][-1]["kind"] == "drop"][0]
rule = p["hops"][-2]
assert rule["verdict"] == "drop" and rule["chain"] == "DOCKER-USER", rule
PY
# undone: the rule is gone
if ip netns exec nfpl-host iptables -S DOCKER-USER | grep -q -- '-j DROP'; then
	echo "lab drop rule left its rule"
	exit 1
fi

cap 3 "$tmp/ttl.rec" -- $LAB drop ttl 3
check "$tmp/ttl.rec" IP_INHDR route_in ip_forward

# the trace's rate limit lets most of 12 pings go untraced (1/s after a
# burst of 5): their drops still show, as packets of the selection (ICMP
# echo) with the drop as their only hop
cap 12 "$tmp/rl.rec" --rate 1 -- $LAB drop noroute 12
"$N" -r "$tmp/rl.rec" --json > "$tmp/rl.json"
python3 - "$tmp/rl.json" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
ended = [p for p in pk if p["hops"] and p["hops"][-1]["kind"] == "drop"]
alone = [p for p in ended if len(p["hops"]) == 1]
assert len(ended) == 12, ("pings whose drop shows", len(ended))
assert alone and len(alone) < 12, ("drops without a traced hop", len(alone))
PY

# --no-drops: one line says so, and the trace goes on without drop hops
cap 3 "$tmp/off.rec" --no-drops -- $LAB drop noroute 3
grep -q "kernel drop reasons off (--no-drops); tracing netfilter alone" "$tmp/off.rec.err" || { cat "$tmp/off.rec.err"; exit 1; }
[ "$(grep -c "drop reasons" "$tmp/off.rec.err")" = 1 ]
if grep -q "kind=drop" "$tmp/off.rec"; then echo "--no-drops recorded drops"; exit 1; fi
grep -q "^H" "$tmp/off.rec"
# without CAP_BPF and CAP_PERFMON (nor CAP_SYS_ADMIN, which stands for
# both): one line says why, and netfilter is traced alone
ip netns exec nfpl-host setpriv --bounding-set -bpf,-perfmon,-sys_admin \
	"$N" capture -c 3 -t 20 -w "$tmp/nocap.rec" 2>"$tmp/nocap.err" &
cpid=$!
armed
$LAB drop noroute 3 >/dev/null
wait $cpid || { cat "$tmp/nocap.err"; exit 1; }
grep -q "kernel drop reasons .*(needs CAP_BPF and CAP_PERFMON, or root); tracing netfilter alone" "$tmp/nocap.err" || { cat "$tmp/nocap.err"; exit 1; }
[ "$(grep -c "drop reasons" "$tmp/nocap.err")" = 1 ]
grep -q "^H" "$tmp/nocap.rec"

# rp_filter back as it was
[ "$(ip netns exec nfpl-host sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ]
