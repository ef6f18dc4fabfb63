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
grep -q "none.log: no trace lines found" "$tmp/e" || { cat "$tmp/e"; exit 1; }
$N --bogus >/dev/null 2>&1; [ $? = 2 ] || { echo "unknown option should exit 2"; exit 1; }
$N -r $S --packet 9 --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "packet out of range should exit 2"; exit 1; }
$N -r $S --rules "$tmp/none.log" --print >/dev/null 2>"$tmp/e"; [ $? = 2 ] || { echo "bad rules should exit 2"; exit 1; }
set -e
# malformed lines are reported with file:line and the rest is read
{ head -3 $S; echo "TRACE: filter:FORWARD:rule:x IN=a OUT=b SRC=1.2.3.4 DST=1.2.3.4"; tail -n +4 $S; } > "$tmp/mixed.log"
$N -r "$tmp/mixed.log" --stats >"$tmp/o" 2>"$tmp/e"
grep -q "mixed.log:4: bad TRACE rule number" "$tmp/e" || { cat "$tmp/e"; exit 1; }
grep -q "^packets *3$" "$tmp/o"
grep -q "^lines malformed 1$" "$tmp/o"
# stdin, and several -r files
cat $S | $N -r - --stats | grep -q "^hops *34$"
$N -r $S -r $S --stats | grep -q "^hops *68$"
# help lists every option
$N --help > "$tmp/h"
for o in --read --rules --demo --live --print --json --stats --diagram --compare --packet --no-route --width \
	--height --diagram-file --max-packets --ascii --color --no-color --no-mouse "n Right" "p Left" "Home End" "j Down" \
	"k Up" "PgDn PgUp" " f " " c " " r " " / " "Tab" " z " "space" " F " " w " " m " "Esc" "? help" "q quit"; do
	grep -q -- "$o" "$tmp/h" || { echo "help lacks $o"; exit 1; }
done
$N --version | grep -q '^nfpath [0-9]'
$N capture --help > "$tmp/ch"
for o in --netns --expr --host --proto --port --rate --no-setup --no-nflog --nflog-group --count --time --grace --write; do
	grep -q -- "$o" "$tmp/ch" || { echo "capture help lacks $o"; exit 1; }
done
