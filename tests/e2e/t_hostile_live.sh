# shellcheck shell=bash disable=SC2154
# Hostile bytes from the kernel: a lab interface whose name holds an OSC
# escape sequence, and an NFLOG prefix with one. --print, --json and the
# TUI show them escaped; the raw sequence never reaches the terminal.
set -eu
. tests/e2e/lab_common.sh
need_tmux
sock=$tmp/tmux.sock
$LAB down >/dev/null
$LAB up --plain >/dev/null
evil=$(printf 'e\033]0;pwn\007')
ip -n nfpl-host link set nfpl-vc1 down
ip -n nfpl-host link set nfpl-vc1 name "$evil"
ip -n nfpl-host link set "$evil" up
ip netns exec nfpl-host iptables -I FORWARD -p icmp -j NFLOG --nflog-group 5 --nflog-prefix "$(printf 'x\033]0;pwn2\007')"
"$N" capture -n nfpl-host -c 2 -t 15 --nflog-group 5 -w "$tmp/h.rec" 2>"$tmp/h.err" &
cpid=$!
armed
$LAB ping c2c 1 >/dev/null
wait $cpid
grep -q 'pwn' "$tmp/h.rec" || { echo "the hostile name never showed up"; exit 1; }
for mode in --print --json --stats; do
	"$N" -r "$tmp/h.rec" $mode > "$tmp/o"
	if LC_ALL=C grep -q "$(printf '\033')" "$tmp/o"; then echo "raw ESC in $mode"; exit 1; fi
	if LC_ALL=C grep -q "$(printf '\007')" "$tmp/o"; then echo "raw BEL in $mode"; exit 1; fi
done
"$N" -r "$tmp/h.rec" --print | grep -q 'PHYSIN=e\\x1b\]0;pwn\\x07'
"$N" -r "$tmp/h.rec" --print | grep -q 'prefix "x\\x1b\]0;pwn2\\x07"\|log prefix "x\\x1b\]0;pwn2\\x07"'
"$N" -r "$tmp/h.rec" --json | python3 -c '
import json, sys
# the text holds JSON escapes (\u001b: no raw ESC, checked above); a JSON
# reader gets the bytes the kernel reported back
vals = []
for l in sys.stdin:
    p = json.loads(l)
    for h in p["hops"]:
        for k in ("in", "physin", "prefix"):
            v = h.get(k) or ""
            if "pwn" in v:
                vals.append(v)
assert vals, "no hostile field in the JSON"
assert "e\x1b]0;pwn\x07" in vals, vals
assert any("x\x1b]0;pwn2\x07" in v for v in vals), vals
'
# the TUI: record every byte it writes to the terminal
# (the pause lets pipe-pane attach before the first frame is drawn)
tmux -S "$sock" -f /dev/null new-session -d -s t -x 200 -y 50 \
	"sleep 0.5; LC_ALL=C.UTF-8 TERM=xterm $N -r $tmp/h.rec; sleep 30"
tmux -S "$sock" pipe-pane -t t -o "cat >> $tmp/raw.out"
for _ in $(seq 1 40); do tmux -S "$sock" capture-pane -t t -p | grep -q "packet 1/" && break; sleep 0.1; done
for k in n p Tab; do tmux -S "$sock" send-keys -t t "$k"; sleep 0.1; done
tmux -S "$sock" capture-pane -t t -p | grep -q 'pwn' || { echo "hostile name not on screen"; tmux -S "$sock" capture-pane -t t -p; exit 1; }
tmux -S "$sock" send-keys -t t q
sleep 0.3
if LC_ALL=C grep -q "$(printf '\033]0;pwn')" "$tmp/raw.out"; then echo "the raw OSC sequence reached the terminal"; exit 1; fi
grep -q 'pwn' "$tmp/raw.out"
