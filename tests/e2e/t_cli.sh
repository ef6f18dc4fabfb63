# shellcheck shell=bash disable=SC2154
# CLI contract: exit codes, messages naming file and line, stdin, help.
set -eu
N=$NFPATH
S=tests/fixtures/docker-c2c-ping.log
# usage errors exit 2
set +e
$N --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "no input should exit 2"; exit 1; }
grep -q "no input" "$tmp/e" || { cat "$tmp/e"; exit 1; }
$N -r /nonexistent --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "missing file should exit 2"; exit 1; }
grep -q "/nonexistent: No such file" "$tmp/e" || { cat "$tmp/e"; exit 1; }
printf 'hello\nworld\n' > "$tmp/none.log"
$N -r "$tmp/none.log" --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "no trace lines should exit 2"; exit 1; }
# one clear line, naming the file
grep -q "none.log: no usable input: no trace lines in it (2 lines read)" "$tmp/e" || { cat "$tmp/e"; exit 1; }
[ "$(wc -l < "$tmp/e")" = 1 ] || { echo "an input with no trace lines: one error line, not:"; cat "$tmp/e"; exit 1; }
: > "$tmp/empty.log"
$N -r "$tmp/empty.log" --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "an empty file should exit 2"; exit 1; }
[ "$(wc -l < "$tmp/e")" = 1 ] || { echo "an empty file: one error line, not:"; cat "$tmp/e"; exit 1; }
# an unknown option: what is wrong and where to look, not the whole --help (as ls, tcpdump)
$N --bogus >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "unknown option should exit 2"; exit 1; }
[ ! -s "$tmp/o" ] && [ "$(cat "$tmp/e")" = "nfpath: unrecognized option '--bogus'
Try 'nfpath --help' for more information." ] || { echo "unknown option:"; cat "$tmp/o" "$tmp/e"; exit 1; }
$N capture --bogus >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "capture: unknown option should exit 2"; exit 1; }
[ ! -s "$tmp/o" ] && [ "$(cat "$tmp/e")" = "nfpath capture: unrecognized option '--bogus'
Try 'nfpath capture --help' for more information." ] || { echo "capture unknown option:"; cat "$tmp/o" "$tmp/e"; exit 1; }
# --live is the explorer: with its output piped it said nothing and exited 0
$N --live -n nfpl-none </dev/null >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "--live piped should exit 2"; exit 1; }
[ ! -s "$tmp/o" ] && grep -q "^nfpath: --live opens the explorer, which needs a terminal" "$tmp/e" ||
	{ echo "--live piped:"; cat "$tmp/o" "$tmp/e"; exit 1; }
$N -r $S --packet 9 --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "packet out of range should exit 2"; exit 1; }
$N -r $S --rules "$tmp/none.log" --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "bad rules should exit 2"; exit 1; }
# the same recording given twice was merged with itself, every hop doubled
# (the new-user trial): refused, naming the file, by any path (device and
# inode), standard input too
R=tests/fixtures/lab2j/lab2j-http-host1.rec
$N -r $R -r $R --print >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "-r A -r A should exit 2"; exit 1; }
[ ! -s "$tmp/o" ] && [ "$(cat "$tmp/e")" = "nfpath: $R: given twice with -r: each input is read once" ] ||
	{ echo "-r A -r A:"; cat "$tmp/o" "$tmp/e"; exit 1; }
ln -s "$PWD/$R" "$tmp/link.rec"
$N -r $R -r tests/fixtures/lab2j/lab2j-http-host2.rec -r "$tmp/link.rec" --json >"$tmp/o" 2>"$tmp/e"
[ $? = 2 ] && [ ! -s "$tmp/o" ] &&
	[ "$(cat "$tmp/e")" = "nfpath: $tmp/link.rec: given twice with -r (the same file as -r $R): each input is read once" ] ||
	{ echo "-r A -r B -r link-to-A:"; cat "$tmp/o" "$tmp/e"; exit 1; }
$N -r $R -r - --stats < $R >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "-r A -r - < A should exit 2"; exit 1; }
grep -q "^nfpath: -: given twice with -r (the same file as -r $R)" "$tmp/e" || { cat "$tmp/e"; exit 1; }
# two outputs: the last one won silently (--print --json printed JSON)
for pair in "--print --json" "--json --print" "--stats --diagram" "--print --compare 1,2"; do
	# shellcheck disable=SC2086
	$N -r $R $pair >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] || { echo "$pair should exit 2"; exit 1; }
	set -- $pair
	[ ! -s "$tmp/o" ] && [ "$(cat "$tmp/e")" = "nfpath: $1 and $2 exclude each other (one output at a time)
Try 'nfpath --help' for more information." ] || { echo "$pair:"; cat "$tmp/o" "$tmp/e"; exit 1; }
done
# the same output twice is no conflict
$N -r $R --print --print >"$tmp/o" 2>"$tmp/e" && grep -q '^packet 1 ' "$tmp/o" || { echo "--print --print"; cat "$tmp/e"; exit 1; }
set -e
# malformed lines are reported with file:line and the rest is read
{ head -3 $S; echo "TRACE: filter:FORWARD:rule:x IN=a OUT=b SRC=1.2.3.4 DST=1.2.3.4"; tail -n +4 $S; } > "$tmp/mixed.log"
$N -r "$tmp/mixed.log" --stats >"$tmp/o" 2>"$tmp/e"
grep -q "mixed.log:4: bad TRACE rule number" "$tmp/e" || { cat "$tmp/e"; exit 1; }
grep -q "^packets *3$" "$tmp/o"
grep -q "^lines malformed 1$" "$tmp/o"
# stdin, and several -r files
cat $S | $N -r - --stats | grep -q "^hops *34$"
cp $S "$tmp/copy.log"
$N -r $S -r "$tmp/copy.log" --stats | grep -q "^hops *68$"
# no fixed bound on inputs: 65 -r files and --demo's own files (once a
# stack array of 64 that --demo overran); copies: one file twice is refused
demo_hops=$($N --demo --stats | awk '/^hops/ {print $2}')
args=(); for i in $(seq 1 65); do cp $S "$tmp/copy$i.log"; args+=(-r "$tmp/copy$i.log"); done
$N "${args[@]}" --demo --stats > "$tmp/o"
grep -q "^hops *$((65 * 34 + demo_hops))$" "$tmp/o" || { cat "$tmp/o"; exit 1; }
# the diagram's too-small message names the terminal size it really needs
# (the diagram's 21 lines and the screen's top, key and status lines)
$N --demo --screen 61x23 > "$tmp/o"
grep -q 'needs 61x24' "$tmp/o" || { echo "61x23: the diagram should say it needs 61x24:"; cat "$tmp/o"; exit 1; }
$N --demo --screen 61x24 > "$tmp/o"
if grep -q 'too small' "$tmp/o" || ! grep -q 'FORWARD' "$tmp/o"; then echo "61x24 should draw the diagram:"; cat "$tmp/o"; exit 1; fi
# at 120x40 the packet list narrows sensibly: words and the fate's repeated
# name go before a name is cut to one letter ("h… > c1")
for keys in "" "j j j j j j j j j j j j"; do
	LC_ALL=C.UTF-8 $N --demo --screen 120x40 --keys "$keys" | sed -n '/^  # fl/,/^ packet /p' | cut -c1-48 > "$tmp/o"
	if grep -E '[ >][^ >]…' "$tmp/o"; then echo "a name cut to one letter at 120x40:"; cat "$tmp/o"; exit 1; fi
done
# a rule number says what it counts: position ("rule 3") or nftables
# handle ("rule handle 8", "handle 8" in the hop list); no bare "#8", no
# number on a policy
R=tests/fixtures/real
$N -r $R/02-iptnft-nft-a-monitor-trace.txt --print > "$tmp/o"
grep -q ' rule handle 8  .* jump     -> AGB-FWD' "$tmp/o" || { echo "nft hop: rule handle"; head -12 "$tmp/o"; exit 1; }
$N -r $R/06-legacy-trace-and-LOG.dmesg --print > "$tmp/o2"
grep -q ' rule 3  .*PHYSOUT=agbpb' "$tmp/o2" || { echo "legacy hop: rule position"; head -12 "$tmp/o2"; exit 1; }
LC_ALL=C.UTF-8 $N --demo --screen 200x50 --keys "n n n n n" > "$tmp/o3"
grep -q 'filter:FORWARD handle 18 jump DOCKER-USER' "$tmp/o3" || { echo "explorer: handle"; cat "$tmp/o3"; exit 1; }
if grep -n 'rule #\| policy [0-9]' "$tmp/o" "$tmp/o2" "$tmp/o3"; then echo "a rule number that does not say what it counts"; exit 1; fi
# help lists every option
$N --help > "$tmp/h"
for o in --read --rules --demo --live --print --json --stats --diagram --compare --packet --no-route --width \
	--height --diagram-file --max-packets --ascii --color --no-color --no-mouse "n Right" "p Left" "Home End" "j Down" \
	"k Up" "PgDn PgUp" " f " " c " " r " " / " "Tab" " z " "space" " F " " w " " m " "Esc" "? help" "q quit"; do
	grep -q -- "$o" "$tmp/h" || { echo "help lacks $o"; exit 1; }
done
$N --version | grep -q '^nfpath [0-9]'
$N capture --help > "$tmp/ch"
for o in --netns --expr --host --proto --port --rate --print-rules --no-setup --no-nflog --nflog-group --count --time --grace --write FILTER; do
	grep -q -- "$o" "$tmp/ch" || { echo "capture help lacks $o"; exit 1; }
done
# a live stream that pauses (journalctl -kf | nfpath -r - --print): the
# packets in flight are printed during the pause, not at the end
# (the pause ends once they are seen: the input's end prints them too)
{ cat $S; sleep 30 & echo $! > "$tmp/pause"; wait; } | $N -r - --print > "$tmp/live.txt" &
for _ in $(seq 1 100); do [ "$(grep -c '^packet ' "$tmp/live.txt" || true)" = 3 ] && break; sleep 0.1; done
seen=$(grep -c '^packet ' "$tmp/live.txt" || true)
kill "$(cat "$tmp/pause")"
[ "$seen" = 3 ] || { echo "a paused stream printed nothing"; cat "$tmp/live.txt"; exit 1; }
wait
[ "$(grep -c '^packet ' "$tmp/live.txt")" = 3 ]
# ^C (or TERM, HUP) ends the reading; the totals are printed and the exit is clean
mkfifo "$tmp/fifo"
for sig in INT TERM HUP; do
	{ cat $S; sleep 6; } > "$tmp/fifo" 2>/dev/null &
	writer=$!
	$N -r "$tmp/fifo" --stats > "$tmp/stats.txt" 2>&1 &
	pid=$!
	sleep 1
	kill -"$sig" "$pid"
	s0=$(date +%s)
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || { echo "SIG$sig: exit $rc"; cat "$tmp/stats.txt"; exit 1; }
	[ $(($(date +%s) - s0)) -le 2 ] || { echo "SIG$sig: took until the input ended"; exit 1; }
	grep -q "^packets *3$" "$tmp/stats.txt" || { echo "SIG$sig: no totals"; cat "$tmp/stats.txt"; exit 1; }
	pkill -P "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
done
