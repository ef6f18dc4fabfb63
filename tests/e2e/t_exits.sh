# shellcheck shell=bash disable=SC2154
# Every way a capture or the explorer can end leaves the host as it was:
# privileges after set-up, a reader that goes away (SIGPIPE), the viewer
# killed, the capture killed under --live, and the viewer's own uid.
set -eu
. tests/e2e/lab_common.sh
need_tmux
sock=$tmp/tmux.sock
T() { tmux -S "$sock" "$@"; }
$LAB down >/dev/null
$LAB up --plain >/dev/null
bindings() { ip netns exec nfpl-host sh -c 'cat /proc/sys/net/netfilter/nf_log/2 /proc/sys/net/netfilter/nf_log/10 /proc/sys/net/netfilter/nf_log/7' | tr '\n' ' '; }
tables() { ip netns exec nfpl-host nft list tables | grep -c nfpath || true; }
clean() { # what
	for _ in $(seq 1 30); do [ "$(tables)" = 0 ] && [ "$(bindings)" = "$before" ] && return 0; sleep 0.1; done
	echo "after $1: tables $(tables), bindings $(bindings) (were $before)"
	return 1
}
before=$(bindings)

# after set-up the capture and its watchdog keep CAP_NET_ADMIN only
"$N" capture -n nfpl-host -t 20 -w /dev/null 2>/dev/null &
cpid=$!
armed
sleep 0.5
for p in $cpid $(pgrep -P $cpid); do
	# a short-lived helper (the docker name lookup) may be gone already
	eff=$(awk '/^CapEff/ {print $2}' /proc/$p/status 2>/dev/null) || continue
	[ "$eff" = 0000000000001000 ] || { echo "pid $p keeps capabilities $eff"; exit 1; }
done
kill -INT $cpid
wait $cpid || true
clean "SIGINT"

# SIGKILL in the middle of traffic: the recording is whole up to its last
# complete event (at most a cut last line, reported, never a crash)
# (and -n given a PID: a process living in nfpl-host)
ip netns exec nfpl-host sleep 60 &
sleeper=$!
sleep 0.2
"$N" capture -n "$sleeper" -t 20 --rate 0 -w "$tmp/cut.rec" 2>/dev/null &
cpid=$!
armed
ip netns exec nfpl-c1 ping -f -w 6 -q "$($LAB addr c2)" > /dev/null 2>&1 &
ppid=$!
# killed once packets are being written (a fixed second was too short for
# an ASan build on a busy machine: the recording still held no packet)
for _ in $(seq 1 50); do [ "$(grep -c "^H" "$tmp/cut.rec" 2>/dev/null || true)" -gt 200 ] && break; sleep 0.1; done
kill -9 $cpid
wait $ppid 2>/dev/null || true
wait $cpid 2>/dev/null || true
"$N" -r "$tmp/cut.rec" --stats > "$tmp/cut.out" 2> "$tmp/cut.err" || { cat "$tmp/cut.err"; exit 1; }
[ "$(awk '/^lines malformed/ {print $3}' "$tmp/cut.out")" -le 1 ] || { cat "$tmp/cut.out" "$tmp/cut.err"; exit 1; }
[ "$(awk '$1 == "packets" && NF == 2 {print $2}' "$tmp/cut.out")" -gt 10 ]
kill $sleeper
clean "SIGKILL in traffic"

# the reader goes away (SIGPIPE / EPIPE): the capture ends at once
start=$(date +%s)
"$N" capture -n nfpl-host -t 30 2>/dev/null | head -c 10 > /dev/null
[ $(($(date +%s) - start)) -le 5 ] || { echo "the capture outlived its reader"; exit 1; }
clean "its reader left"

# --live: the explorer runs as the sudo user, the capture as root with CAP_NET_ADMIN
T -f /dev/null new-session -d -s t -x 120 -y 40 \
	"env SUDO_UID=65534 SUDO_GID=65534 LC_ALL=C.UTF-8 TERM=xterm $N --live -n nfpl-host; echo \$? > $tmp/exit; sleep 30"
armed
viewer=$(pgrep -f "^$N --live" | head -1)
child=$(pgrep -P "$viewer" -f capture | head -1)
[ "$(awk '/^Uid/ {print $2}' /proc/$viewer/status)" = 65534 ] || { echo "the explorer still runs as root"; exit 1; }
[ "$(awk '/^Uid/ {print $2}' /proc/$child/status)" = 0 ]
$LAB ping c2c 1 >/dev/null
for _ in $(seq 1 40); do T capture-pane -t t -p | grep -q "packet 1/2" && break; sleep 0.1; done
T capture-pane -t t -p | grep "packet 1/2" | grep -q "live nfpl-host" || { T capture-pane -t t -p; exit 1; }
# the capture crashes: the explorer says so and stays usable
kill -9 "$child"
for _ in $(seq 1 40); do T capture-pane -t t -p | grep -q "ended" && break; sleep 0.1; done
T capture-pane -t t -p | grep -q "ended"
clean "the capture was killed"
T send-keys -t t q
for _ in $(seq 1 40); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
# and once the terminal is restored, the viewer says so and exits 1
[ "$(cat "$tmp/exit")" = 1 ]
T capture-pane -t t -p | grep -q "the capture was killed by signal 9" || { T capture-pane -t t -p; exit 1; }
[ "$(T display -p -t t '#{alternate_on}')" = 0 ]
T kill-server 2>/dev/null || true

# the explorer is killed: its capture follows (a new tmux server: the old
# one may still be on its way out)
sock=$tmp/tmux2.sock
T -f /dev/null new-session -d -s t -x 120 -y 40 "LC_ALL=C.UTF-8 TERM=xterm $N --live -n nfpl-host; sleep 30"
armed
kill -9 "$(pgrep -f "^$N --live" | head -1)"
clean "the explorer was killed"
T kill-server 2>/dev/null || true
