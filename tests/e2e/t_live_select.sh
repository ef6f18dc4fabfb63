# shellcheck shell=bash disable=SC2154
# Selecting and failing the way an operator meets it: the tcpdump-style
# filter on the lab's HTTP fetch (capture and --live), and --live when the
# capture cannot start (a bad -e, a filter it cannot translate, a second
# capture in the namespace): the message after the terminal is restored,
# exit 1, and no explorer left open on nothing.
set -eu
. tests/e2e/lab_common.sh
need_tmux
sock=$tmp/tmux.sock
T() { tmux -S "$sock" "$@"; }
$LAB down >/dev/null
$LAB up --plain >/dev/null

# --- the filter on lab http: the DNAT'd fetch is traced both ways ---
cap 4 "$tmp/http.rec" tcp port 80 or tcp port 8080 -- $LAB http
grep -q "^# nfpath capture started .* filter tcp port 80 or tcp port 8080$" "$tmp/http.rec"
"$N" -r "$tmp/http.rec" --print > "$tmp/http.txt"
grep -q "203.0.113.2.* > .*203.0.113.1.*8080" "$tmp/http.txt" || { head -20 "$tmp/http.txt"; exit 1; }
grep -q "dnat to 172.17.0.4:80" "$tmp/http.txt" || { echo "no DNAT hop in the fetch"; head -40 "$tmp/http.txt"; exit 1; }

# --- --live with a filter: the explorer opens and shows the fetch ---
T -f /dev/null new-session -d -s t -x 120 -y 40 \
	"LC_ALL=C.UTF-8 TERM=xterm $N --live -n nfpl-host 'tcp port 80 or tcp port 8080'; echo \$? > $tmp/exit; sleep 30"
armed
ip netns exec nfpl-host nft list table inet nfpath | grep -q 'tcp dport 8080 limit name "nfp_rate" meta nftrace set 1 accept'
$LAB http >/dev/null
for _ in $(seq 1 50); do T capture-pane -t t -p | grep -q "packet 1/" && break; sleep 0.1; done
T capture-pane -t t -p | grep "packet 1/" | grep -q "live nfpl-host" || { T capture-pane -t t -p; exit 1; }
T send-keys -t t q
for _ in $(seq 1 40); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
[ "$(cat "$tmp/exit")" = 0 ] || { T capture-pane -t t -p; exit 1; }
T kill-server 2>/dev/null || true

# live_fails NAME ARGS...: --live must end by itself with exit 1 and leave
# the capture's message on the terminal
live_fails() {
	local name=$1
	shift
	rm -f "$tmp/exit"
	T -f /dev/null new-session -d -s t -x 160 -y 30 \
		"LC_ALL=C.UTF-8 TERM=xterm $N --live -n nfpl-host $*; echo \$? > $tmp/exit; sleep 30"
	for _ in $(seq 1 60); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
	T capture-pane -t t -p > "$tmp/$name.screen"
	T kill-server 2>/dev/null || true
	[ -s "$tmp/exit" ] || { echo "$name: --live did not end by itself"; cat "$tmp/$name.screen"; return 1; }
	[ "$(cat "$tmp/exit")" = 1 ] || { echo "$name: exit $(cat "$tmp/exit")"; cat "$tmp/$name.screen"; return 1; }
}

# a raw -e in tcpdump's words: which expression, why, and what to write
live_fails bad-e -e "'tcp port 5201'"
grep -q "nft cannot use -e 'tcp port 5201': syntax error" "$tmp/bad-e.screen" || { cat "$tmp/bad-e.screen"; exit 1; }
grep -q "tcp dport 5201" "$tmp/bad-e.screen"
[ "$(grep -c "Error:" "$tmp/bad-e.screen")" = 0 ] || { echo "nft's raw messages leak"; cat "$tmp/bad-e.screen"; exit 1; }

# a filter word it does not know: quoted, with a caret under it
live_fails bad-filter host 172.17.0.3 and tcp port http
grep -q "cannot translate the filter: port wants a number" "$tmp/bad-filter.screen" || { cat "$tmp/bad-filter.screen"; exit 1; }
grep -q "^  host 172.17.0.3 and tcp port http$" "$tmp/bad-filter.screen"
grep -q "^                               ^^^^$" "$tmp/bad-filter.screen"

# a second capture in the same namespace: one line that names the first
"$N" capture -n nfpl-host -t 30 -w /dev/null 2>/dev/null &
first=$!
armed
"$N" capture -n nfpl-host -t 1 -w /dev/null 2> "$tmp/second.err" && { echo "a second capture started"; exit 1; }
[ "$(cat "$tmp/second.err")" = "nfpath capture: PID $first is already tracing nfpl-host (one capture per network namespace)" ] ||
	{ cat "$tmp/second.err"; exit 1; }
live_fails second
grep -q "PID $first is already tracing nfpl-host" "$tmp/second.screen" || { cat "$tmp/second.screen"; exit 1; }
# the first capture was not disturbed
ip netns exec nfpl-host nft list table inet nfpath | grep -q "nfpath capture pid $first"
kill -INT $first
wait $first

# a table of our name made by hand: left alone, and said so
ip netns exec nfpl-host nft add table inet nfpath
"$N" capture -n nfpl-host -t 1 -w /dev/null 2> "$tmp/hand.err" && { echo "started over a hand-made table"; exit 1; }
grep -q "a table 'inet nfpath' that no nfpath capture made is in network namespace nfpl-host" "$tmp/hand.err"
ip netns exec nfpl-host nft list table inet nfpath >/dev/null
ip netns exec nfpl-host nft delete table inet nfpath
