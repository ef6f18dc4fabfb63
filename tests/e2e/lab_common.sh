# shellcheck shell=bash disable=SC2154
# Sourced by the e2e tests that use the namespace lab: root and tools
# checks, the lab in the test's own directory, and clean-up on exit
# (the lab, and every tmux server the test started under $tmp).
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
N=$(readlink -f "$NFPATH")
LAB=assets/lab/lab
export NFPL_DIR=$tmp/lab
trap '$LAB down >/dev/null 2>&1 || true; for s in "$tmp"/tmux*.sock; do [ -S "$s" ] && { tmux -S "$s" kill-server 2>/dev/null || true; }; done; true' EXIT
# a failing command says which, so a flaky run in CI can be read afterwards
set -E
trap 'echo "${BASH_SOURCE[0]}:$LINENO: failed: $BASH_COMMAND" >&2' ERR
need_tmux() { command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }; }
# waits until nfpath's trace tables are in nfpl-host
armed() {
	for _ in $(seq 1 50); do
		ip netns exec nfpl-host nft list tables 2>/dev/null | grep -q 'inet nfpath' && return 0
		sleep 0.1
	done
	echo "capture never armed"
	return 1
}

# cap COUNT FILE [capture options] -- command...: capture while command runs
cap() {
	count=$1 file=$2
	shift 2
	local opts=()
	while [ "$1" != "--" ]; do opts+=("$1"); shift; done
	shift
	"$N" capture -n nfpl-host -c "$count" -t 20 "${opts[@]}" -w "$file" 2>"$file.err" &
	cpid=$!
	armed
	"$@" >/dev/null
	wait $cpid || { cat "$file.err"; return 1; }
}
