#!/bin/bash
# Part of make bench (root only): reading the kube-proxy sized ruleset of
# tests/fixtures/real (27,515 rules in 10,015 chains) with --rules, beside
# the tools' own parse-only runs of the same rules, in one run:
#   iptables-save text:        nfpath --rules  vs  iptables-legacy-restore -t
#   `nft -a list ruleset` text: nfpath --rules  vs  nft -c -f
# The tools run in a network namespace made for them (unshare -n), under the
# e2e lock; nothing is committed anywhere. Goal: nfpath at most half the time.
set -euo pipefail
NFPATH=$(readlink -f "${NFPATH:-build/nfpath}")
SAVE=tests/fixtures/real/07-kube-iptables-save.txt
TRACE=tests/fixtures/real/07-kube-trace.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for tool in iptables-legacy-restore iptables-restore-translate nft unshare; do
	command -v $tool >/dev/null || { echo "rules bench: skipped ($tool missing)"; exit 0; }
done

# The same rules as nft text: translated, loaded into a namespace of our
# own and listed back with handles, as a user would paste them.
# iptables-restore-translate 1.8.9 drops the "-p tcp" of kube-proxy's DNAT
# rules (the comment match sits between -p and -m tcp), which nft rejects
# ("transport protocol mapping is only valid after transport protocol
# match"): put the protocol back.
iptables-restore-translate -f "$SAVE" 2>/dev/null | sed 's/ counter dnat to / meta l4proto tcp counter dnat to /' >"$tmp/kube.nft"
flock /tmp/nfpath-e2e.lock unshare -n sh -c 'nft -f "$1" && nft -a list ruleset >"$2"' sh "$tmp/kube.nft" "$tmp/kube-list.txt"

best() { # label cmd... -> "label seconds", best of 5
	python3 - "$@" <<'PY'
import subprocess, sys, time
best = None
for _ in range(5):
    t0 = time.perf_counter()
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    dt = time.perf_counter() - t0
    best = dt if best is None or dt < best else best
print("%s %.4f" % (sys.argv[1], best))
PY
}
export NFPATH SAVE TRACE tmp
res=$(flock /tmp/nfpath-e2e.lock bash -c '
	set -e
	'"$(declare -f best)"'
	best ipt_nfpath "$NFPATH" -r "$TRACE" --rules "$SAVE" --stats
	best ipt_tool unshare -n iptables-legacy-restore -t "$SAVE"
	best nft_nfpath "$NFPATH" -r "$TRACE" --rules "$tmp/kube-list.txt" --stats
	best nft_tool unshare -n nft -c -f "$tmp/kube-list.txt"
')
rules=$(wc -l <"$SAVE")
echo "$res" | awk -v rules="$rules" '
{ t[$1] = $2 }
END {
	printf "--rules on the kube-proxy ruleset (%d lines; best of 5, seconds)\n", rules
	printf "%-26s %9s %26s %9s %7s\n", "", "nfpath", "", "tool", "ratio"
	printf "%-26s %9.4f %26s %9.4f %7.2f   goal <= 0.50\n", "iptables-save text", t["ipt_nfpath"],
		"iptables-legacy-restore -t", t["ipt_tool"], t["ipt_nfpath"] / t["ipt_tool"]
	printf "%-26s %9.4f %26s %9.4f %7.2f   goal <= 0.50\n", "nft -a list ruleset text", t["nft_nfpath"],
		"nft -c -f", t["nft_tool"], t["nft_nfpath"] / t["nft_tool"]
}'
