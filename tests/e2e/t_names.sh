# shellcheck shell=bash disable=SC2154
# Names for ports and addresses: from the real Docker engine in the lab,
# from a fake `docker`, with no docker at all, and with a hanging one.
set -eu
. tests/e2e/lab_common.sh
need_tmux
sock=$tmp/tmux.sock

# --- the Docker lab: container names and the outside host's namespace ---
$LAB down >/dev/null
$LAB up >/dev/null
export DOCKER_HOST=unix://$NFPL_DIR/docker.sock
cap 2 "$tmp/c2c.rec" -- $LAB ping c2c 1
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
inspect) echo "/fakeweb|1111111111111111111111111111111111111111111111111111111111111111|/var/run/netns/nfpl-c1|172.17.0.2," ;;
esac
SH
printf '#!/bin/sh\necho "docker: command not found" >&2\nexit 127\n' > "$tmp/none/docker"
printf '#!/bin/sh\nsleep 60\n' > "$tmp/hang/docker"
chmod +x "$tmp/fake/docker" "$tmp/none/docker" "$tmp/hang/docker"

PATH=$tmp/fake:$PATH cap 2 "$tmp/fake.rec" -- $LAB ping c2c 1
"$N" -r "$tmp/fake.rec" --print | grep -q "fakeweb (172.17.0.2) > nfpl-c2 (172.17.0.3)"
"$N" -r "$tmp/fake.rec" --print | grep -q "IN=nfpl-vc1 \[fakeweb\]"

start=$(date +%s)
PATH=$tmp/none:$PATH cap 2 "$tmp/none.rec" -- $LAB ping c2c 1
"$N" -r "$tmp/none.rec" --print | grep -q "nfpl-c1 (172.17.0.2) > nfpl-c2 (172.17.0.3)"
[ $(($(date +%s) - start)) -le 6 ] || { echo "no docker slowed the capture down"; exit 1; }
if grep -qi "docker" "$tmp/none.rec.err"; then echo "a missing docker made noise"; cat "$tmp/none.rec.err"; exit 1; fi

start=$(date +%s)
PATH=$tmp/hang:$PATH cap 2 "$tmp/hang.rec" -- $LAB ping c2c 1
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 10 ] || { echo "a hanging docker held the capture for ${elapsed}s"; exit 1; }
"$N" -r "$tmp/hang.rec" --print | grep -q "nfpl-c1 (172.17.0.2) > nfpl-c2 (172.17.0.3)"
[ "$("$N" -r "$tmp/hang.rec" --stats | awk '/^packets/ {print $2}')" = 2 ]
pgrep -f "$tmp/hang/docker" >/dev/null && { echo "the hung docker was left running"; exit 1; } || true
