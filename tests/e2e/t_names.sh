# shellcheck shell=bash disable=SC2154
# Names for ports and addresses: from the real Docker engine in the lab
# (with a decoy namespace holding a container's address), from a fake
# `docker` (IPv4 and IPv6), with no docker at all, with a hanging one, and
# with a hostile `docker` first on PATH. The fake ones replace
# /usr/bin/docker in a mount namespace of the capture's own: the capture
# takes its tools from the system directories, never from PATH.
set -eu
. tests/e2e/lab_common.sh
need_tmux
sock=$tmp/tmux.sock

# --- the Docker lab: container names and the outside host's namespace ---
$LAB down >/dev/null
$LAB up >/dev/null
export DOCKER_HOST=unix://$NFPL_DIR/docker.sock
# a decoy: an unrelated namespace holding c2's address
ip netns add nfpl-decoy
ip -n nfpl-decoy link add d0 type veth peer name d1
ip -n nfpl-decoy addr add 172.17.0.3/16 dev d0
ip -n nfpl-decoy link set d0 up
# and a hostile docker first on PATH, which must never run
mkdir -p "$tmp/evil"
# (the lab's own docker calls pass through it to the real one)
printf '#!/bin/sh\ncase "$*" in "ps -q --no-trunc"*) touch %s/evil-ran ;; esac\nexec /usr/bin/docker "$@"\n' "$tmp" > "$tmp/evil/docker"
chmod +x "$tmp/evil/docker"
PATH=$tmp/evil:$PATH cap 2 "$tmp/c2c.rec" -- $LAB ping c2c 1
[ ! -e "$tmp/evil-ran" ] || { echo "the capture ran docker from PATH"; exit 1; }
grep -q "nfpl-decoy" "$tmp/c2c.rec" && { echo "the decoy namespace named something"; grep "^N" "$tmp/c2c.rec"; exit 1; }
[ "$(grep -c "	key=172.17.0.3	" "$tmp/c2c.rec")" = 1 ] || { echo "not one name for 172.17.0.3"; grep "^N" "$tmp/c2c.rec"; exit 1; }
ip netns del nfpl-decoy
cap 2 "$tmp/c2out.rec" -- $LAB ping c2out 1
"$N" -r "$tmp/c2c.rec" --print | grep -q "ICMP echo-request c1 (172.17.0.2) > c2 (172.17.0.3)"
"$N" -r "$tmp/c2c.rec" --print | grep -q "IN=veth[0-9a-f]* \[c1\]"
"$N" -r "$tmp/c2out.rec" --print | grep -q "c1 (172.17.0.2) > nfpl-out (203.0.113.2)"
"$N" -r "$tmp/c2c.rec" --json | python3 -c '
import json, sys
p = [json.loads(l) for l in sys.stdin]
assert (p[0]["src_name"], p[0]["dst_name"]) == ("c1", "c2"), p[0]
h = [h for h in p[0]["hops"] if h["in"] and h["in"].startswith("veth")][0]
assert h["in_name"] == "c1", h
o = [h for h in p[0]["hops"] if h["out"] and h["out"].startswith("veth")][0]
assert o["out_name"] == "c2", o
assert p[1]["src_name"] == "c2"
'
# and in the explorer
tmux -S "$sock" -f /dev/null new-session -d -s t -x 200 -y 50 "LC_ALL=C.UTF-8 TERM=xterm $N -r $tmp/c2c.rec; sleep 30"
for _ in $(seq 1 40); do tmux -S "$sock" capture-pane -t t -p | grep -q "packet 1/" && break; sleep 0.1; done
tmux -S "$sock" capture-pane -t t -p | grep -q "c1 (172.17.0.2) > c2 (172.17.0.3)" || { tmux -S "$sock" capture-pane -t t -p; exit 1; }
tmux -S "$sock" capture-pane -t t -p | grep -q "in=veth[0-9a-f]* \[c1 [0-9a-f]\{12\}\]" || { tmux -S "$sock" capture-pane -t t -p; exit 1; }
tmux -S "$sock" kill-server
unset DOCKER_HOST

# --- the plain lab with a fake docker on PATH ---
$LAB down >/dev/null
$LAB up --plain >/dev/null
mkdir -p "$tmp/fake" "$tmp/none" "$tmp/hang"
cat > "$tmp/fake/docker" <<'SH'
#!/bin/sh
case "$1" in
ps) echo 1111111111111111111111111111111111111111111111111111111111111111 ;;
inspect) echo "/fakeweb|1111111111111111111111111111111111111111111111111111111111111111|/var/run/netns/nfpl-c1|172.17.0.2,fd00:17::2," ;;
esac
SH
printf '#!/bin/sh\necho "docker: command not found" >&2\nexit 127\n' > "$tmp/none/docker"
printf '#!/bin/sh\nexec sleep 61.5\n' > "$tmp/hang/docker"
chmod +x "$tmp/fake/docker" "$tmp/none/docker" "$tmp/hang/docker"

# with_docker SCRIPT: nfpath with SCRIPT as /usr/bin/docker (a private mount)
with_docker() {
	printf '#!/bin/sh\nexec unshare -m --propagation private sh -c '"'"'mount --bind %s /usr/bin/docker && exec "$0" "$@"'"'"' %s "$@"\n' \
		"$1" "$(readlink -f "$NFPATH")" > "$tmp/nfpath-with-docker"
	chmod +x "$tmp/nfpath-with-docker"
	echo "$tmp/nfpath-with-docker"
}
# IPv6 on the containers, named like IPv4
ip -n nfpl-host addr add fd00:17::1/64 dev docker0 nodad
ip -n nfpl-c1 addr add fd00:17::2/64 dev eth0 nodad
ip -n nfpl-c2 addr add fd00:17::3/64 dev eth0 nodad
N=$(with_docker "$tmp/fake/docker") cap 2 "$tmp/fake.rec" -- $LAB ping c2c 1
"$N" -r "$tmp/fake.rec" --print | grep -q "fakeweb (172.17.0.2) > nfpl-c2 (172.17.0.3)"
"$N" -r "$tmp/fake.rec" --print | grep -q "IN=nfpl-vc1 \[fakeweb\]"
N=$(with_docker "$tmp/fake/docker") cap 2 "$tmp/fake6.rec" -- ip netns exec nfpl-c1 ping -6 -c 1 fd00:17::3
"$N" -r "$tmp/fake6.rec" --print | grep -q "fakeweb (fd00:17::2) > nfpl-c2 (fd00:17::3)" ||
	{ "$N" -r "$tmp/fake6.rec" --print | head -3; grep "^N" "$tmp/fake6.rec"; exit 1; }

start=$(date +%s)
N=$(with_docker "$tmp/none/docker") cap 2 "$tmp/none.rec" -- $LAB ping c2c 1
"$N" -r "$tmp/none.rec" --print | grep -q "nfpl-c1 (172.17.0.2) > nfpl-c2 (172.17.0.3)"
[ $(($(date +%s) - start)) -le 6 ] || { echo "no docker slowed the capture down"; exit 1; }
if grep -qi "docker" "$tmp/none.rec.err"; then echo "a missing docker made noise"; cat "$tmp/none.rec.err"; exit 1; fi

start=$(date +%s)
N=$(with_docker "$tmp/hang/docker") cap 2 "$tmp/hang.rec" -- $LAB ping c2c 1
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 10 ] || { echo "a hanging docker held the capture for ${elapsed}s"; exit 1; }
"$N" -r "$tmp/hang.rec" --print | grep -q "nfpl-c1 (172.17.0.2) > nfpl-c2 (172.17.0.3)"
[ "$("$N" -r "$tmp/hang.rec" --stats | awk '/^packets/ {print $2}')" = 2 ]
pgrep -f "sleep 61.5" >/dev/null && { echo "the hung docker was left running"; exit 1; } || true
