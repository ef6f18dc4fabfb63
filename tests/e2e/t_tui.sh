# shellcheck shell=bash disable=SC2154
# The real explorer in a real terminal (tmux): every key of the help, the
# status line, compare, resize, NO_COLOR, an ASCII locale, a clean exit.
set -eu
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
N=$(readlink -f "$NFPATH")
S=tests/fixtures/docker-c2c-ping.log
nsock=0
sock=$tmp/tmux0.sock
T() { tmux -S "$sock" "$@"; }
trap 'for s in "$tmp"/tmux*.sock "$tmp"/shell*.sock; do tmux -S "$s" kill-server 2>/dev/null || true; done' EXIT

start() { # W H ENV... -- ARGS...
	local w=$1 h=$2
	shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	T kill-server 2>/dev/null || true
	# a new server each time: the old one may still be on its way out
	nsock=$((nsock + 1))
	sock=$tmp/tmux$nsock.sock
	rm -f "$tmp/exit"
	T -f /dev/null new-session -d -s t -x "$w" -y "$h" \
		"env ${envs[*]} $N $* ; echo \$? > $tmp/exit; sleep 60"
	wait_for "packet [0-9]"
}
screen() { T capture-pane -t t -p; }
keys() { T send-keys -t t "$@"; sleep 0.15; }
wait_for() { # pattern [seconds]
	for _ in $(seq 1 ${2:-40}); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1"
	screen
	return 1
}
expect() { screen | grep -q -- "$1" || { echo "expected on screen: $1"; screen; exit 1; }; }
expect_not() { if screen | grep -q -- "$1"; then echo "unexpected on screen: $1"; screen; exit 1; fi; }
quit_clean() {
	keys q
	for _ in $(seq 1 50); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
	[ "$(cat "$tmp/exit")" = 0 ] || { echo "exit status $(cat "$tmp/exit")"; exit 1; }
	[ "$(T display -p -t t '#{alternate_on}')" = 0 ] || { echo "still on the alternate screen"; exit 1; }
	expect_not "| packet "
}

cd "$tmp"
cp "$OLDPWD/$S" sample.log
cp "$OLDPWD/tests/fixtures/docker-c2c-iptables-save.txt" ipt.txt

# --- 200x50, UTF-8, colour ---
start 200 50 LC_ALL=C.UTF-8 TERM=xterm-256color -- -r sample.log --rules ipt.txt
expect "packet 1/3 | hop 1/14"
keys n; keys n; keys n
expect "hop 4/14"
expect "nat:PREROUTING"
keys Right; expect "hop 5/14"
keys Left; keys p; expect "hop 3/14"
keys End; expect "hop 14/14"
keys Home; expect "hop 1/14"
keys j; expect "packet 2/3 | hop 1/10"
keys Down; expect "packet 3/3"
keys k; keys Up; expect "packet 1/3"
keys f; expect "packet 2/3"
keys k
keys c; wait_for "compare 1 vs 3"
expect "nat:PREROUTING (link) only in packet 1"
keys n; keys Right; keys p; keys Left; keys End; keys Home; expect "row 1/"
keys Escape; wait_for "packet 1/3 | hop"
expect_not "compare 1 vs"
keys r; wait_for "compare 1 vs 2"
keys Escape
keys /; keys -l "seq 2"; keys Enter
wait_for "Packets: 1 of 3 match /seq 2"
keys /; keys Escape
wait_for "Packets 3"
keys Tab; keys Tab; keys Tab; keys Tab
keys z; expect_not "Hops of packet"; keys z; expect "Hops of packet"
keys NPage; expect "packet 3/3"; keys PPage; expect "packet 1/3"
keys Space; expect "display paused"; keys Space; expect "display resumed"
keys F; expect "follow"; expect "packet 3/3"; keys F; keys k; keys k; expect "packet 1/3"
keys w; wait_for "wrote 34 hops to nfpath-"
ls nfpath-*.rec >/dev/null
"$N" -r nfpath-*.rec --stats | grep -q "^packets *3$"
keys '?'; wait_for "nfpath keys"; expect "request against reply"; keys Escape; wait_for "packet 1/3"
# resize and back, without losing the selection
keys j; keys n; keys n
T resize-window -t t -x 80 -y 24; sleep 0.3; wait_for "packet 2/3 | hop 3/10"
T resize-window -t t -x 200 -y 50; sleep 0.3; wait_for "packet 2/3 | hop 3/10"
expect "Hops of packet 2"
# below the smallest size, and back
T resize-window -t t -x 30 -y 8; sleep 0.3; wait_for "terminal too small"
T resize-window -t t -x 120 -y 40; sleep 0.3; wait_for "packet 2/3 | hop 3/10"
quit_clean

# --- 80x24, NO_COLOR, TERM=xterm: every area reachable with Tab ---
start 80 24 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 -- -r sample.log
expect "packet 1/3 | hop 1/14"
expect "hop 1/14  link eb:broute:BROUTING"
keys Tab; expect "Packets 3"
keys Tab; expect "Hops of packet 1"
keys Tab; expect "Hop 1/14"; expect "box       eb:broute:BROUTING"
keys Tab; keys n; keys n; keys n; expect "hop 4/14"
keys c; wait_for "compare 1 vs 3"; keys Escape
# what w wrote, file name and all, fits the 80-column status line
keys w; wait_for "wrote 34 hops to nfpath-[0-9-]*\.rec"
quit_clean

# --- an ASCII locale, TERM=screen: nothing but ASCII on screen ---
start 80 24 LC_ALL=C TERM=screen -- -r sample.log
expect "packet 1/3 | hop 1/14"
if screen | LC_ALL=C grep -q '[^[:print:][:space:]]'; then echo "non-ASCII on an ASCII terminal"; screen; exit 1; fi
keys n; expect "hop 2/14"
quit_clean

# --- the mouse: click a packet, a hop, a box; the wheel; m and --no-mouse ---
at() { # REGEX [LINE-REGEX]: "column row" (1-based) where REGEX first matches
	screen | python3 -c '
import re, sys
pat, line_pat = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
for y, l in enumerate(sys.stdin.read().split("\n")):
    m = re.search(line_pat, l) and re.search(pat, l)
    if m:
        print(m.start() + 1, y + 1)
        break
' "$@"
}
# xterm's SGR mouse reports (TERM=xterm-256color): button;column;row
click() { keys -l "$(printf '\033[<0;%d;%dM\033[<0;%d;%dm' "$1" "$2" "$1" "$2")"; }
wheel() { keys -l "$(printf '\033[<%d;%d;%dM' "$((${3:-1} > 0 ? 65 : 64))" "$1" "$2")"; }
start 200 50 LC_ALL=C TERM=xterm-256color -- --ascii -r sample.log
# the boxes of packet 1's hops 4 (nat PREROUTING) and 6..11 (filter FORWARD)
read -r natx naty <<< "$(at '(?<= )4(?= )' '>1 +v')"
read -r fwdx fwdy <<< "$(at '6\+6')"
read -r px py <<< "$(at '3 f1')"
click "$px" "$py"; expect "packet 3/3 | hop 1/10"
read -r hx hy <<< "$(at '4 link')"
click "$hx" "$hy"; expect "packet 3/3 | hop 4/10"
# the reply skips nat PREROUTING: a click there says so
click "$natx" "$naty"; expect "packet 3 has no hop at nat"; expect "hop 4/10"
read -r px py <<< "$(at '1 f1')"
click "$px" "$py"; expect "packet 1/3 | hop 1/14"
click "$fwdx" "$fwdy"; expect "packet 1/3 | hop 6/14"
click "$fwdx" "$fwdy"; expect "packet 1/3 | hop 7/14"
click "$natx" "$naty"; expect "packet 1/3 | hop 4/14"
wheel "$px" "$py" 1; expect "packet 2/3"
wheel "$px" "$py" -1; expect "packet 1/3"
read -r hx hy <<< "$(at '2 link')"
wheel "$hx" "$hy" 1; expect "packet 1/3 | hop 2/14"
wheel "$hx" "$hy" 1; expect "packet 1/3 | hop 3/14"
keys m; expect "mouse off"
click "$fwdx" "$fwdy"; expect "packet 1/3 | hop 3/14"
keys m; expect "mouse on"
click "$fwdx" "$fwdy"; expect "packet 1/3 | hop 6/14"
quit_clean
start 200 50 LC_ALL=C TERM=xterm-256color -- --ascii --no-mouse -r sample.log
read -r px py <<< "$(at '3 f1')"
click "$px" "$py"; expect "packet 1/3 | hop 1/14"
quit_clean

# --- SIGTERM and SIGHUP restore the terminal too ---
for sig in TERM HUP; do
	start 100 30 LC_ALL=C.UTF-8 TERM=xterm -- -r sample.log
	pid=$(pgrep -f "^$N -r sample.log" | head -1)
	kill -s $sig "$pid"
	for _ in $(seq 1 50); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
	[ "$(T display -p -t t '#{alternate_on}')" = 0 ] || { echo "SIG$sig left the alternate screen on"; exit 1; }
done

# --- a pipe: the capture format streamed into the explorer ---
start 120 40 LC_ALL=C.UTF-8 TERM=xterm -- -r - '<' sample.log
expect "packet 1/3"
quit_clean

# --- 'w' keeps what the capture learnt: names and the hops ---
cp "$OLDPWD/assets/demo/lab-docker.rec" lab.rec
mkdir saved && cd saved
start 160 45 LC_ALL=C.UTF-8 TERM=xterm -- -r ../lab.rec
keys w; wait_for "wrote [0-9]* hops to nfpath-"
quit_clean
# the loader keeps the latest name per key, so compare the keys
nkeys() { grep '^N' "$1" | cut -f2,3 | sort -u; }
[ "$(nkeys ../lab.rec | wc -l)" -gt 5 ] || { echo "the lab recording has no names"; exit 1; }
[ "$(nkeys nfpath-*.rec)" = "$(nkeys ../lab.rec)" ] || { echo "'w' lost names"; exit 1; }
"$N" -r ../lab.rec --print > want.txt
"$N" -r nfpath-*.rec --print > got.txt
diff want.txt got.txt || { echo "'w' recording prints differently"; exit 1; }
cd ..

# --- the filter prompt: C-u erases what was typed; no match says so ---
start 120 40 LC_ALL=C.UTF-8 TERM=xterm -- -r sample.log
keys /; keys -l "xyz"; wait_for "/xyz_"
keys C-u; wait_for "/_ .*3 of 3 packets match"
keys -l "seq 2"; keys Enter
wait_for "Packets: 1 of 3 match /seq 2"
keys /; keys C-u; keys -l "nothing-here"; keys Enter
wait_for "no packet of 3 matches /nothing-here"
expect_not "packet [0-9]/3"
keys Escape; wait_for "packet 3/3 | hop 1/10"
quit_clean

# --- the shell's screen is as it was, whatever the sizes on the way and
# however the explorer ends: q, ^C, SIGTERM ---
shell_after() { # N HOW SIZES...: the shell screen's non-empty lines after the explorer ends
	sock=$tmp/shell$1.sock
	local how=$2
	shift 2
	T -f /dev/null new-session -d -s t -x 120 -y 40 "env PS1='$ ' bash --norc --noprofile"
	sleep 0.3
	T send-keys -t t "clear; echo before; LC_ALL=C.UTF-8 TERM=screen $N -r sample.log; echo after \$?" Enter
	wait_for "packet 1/3"
	while [ $# -gt 1 ]; do
		# quick resizes, then at once the key: as a person resizing and quitting
		T resize-window -t t -x "$1" -y "$2"
		sleep 0.05
		shift 2
	done
	case $how in
	q) keys q ;;
	C-c) keys C-c ;;
	TERM) kill -TERM "$(pgrep -P "$(T display -p -t t '#{pane_pid}')" | head -1)" ;;
	esac
	for _ in $(seq 1 50); do screen | grep -q "^after" && break; sleep 0.1; done
	screen | grep -v '^ *$'
}
n=0
for how in q C-c TERM; do
	for sizes in "" "80 24" "200 50 80 24" "30 8 120 40" "100 30 140 45 61 21"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		got=$(shell_after $n "$how" $sizes)
		tmux -S "$tmp/shell$n.sock" kill-server 2>/dev/null || true
		case $how in q) rc=0 ;; C-c) rc=130 ;; TERM) rc=143 ;; esac
		want=$(printf 'before\nafter %s\n$' "$rc")
		[ "$got" = "$want" ] || { printf 'after %s with sizes "%s" the shell shows:\n%s\n' "$how" "$sizes" "$got"; exit 1; }
	done
done
