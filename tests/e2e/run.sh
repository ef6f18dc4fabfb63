#!/bin/sh
# End-to-end tests of the real binary. Each test prints "ok NAME (TIME)"
# or "FAIL NAME (TIME)"; the last line is the plain "N passed, N failed"
# summary. Arguments: test names (t_live ...) to run only those.
set -u
NFPATH=${NFPATH:-build/nfpath}
here=$(dirname "$0")
pass=0 fail=0 skip=0
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT INT TERM
# the tests' Python is the system's, the one tests/deps.sh installs: a
# version manager's shim first on PATH (pyenv's took 1.5 s a start on the
# CI machine, against 0.1 s, minutes over the suite) is passed over
if [ -x /usr/bin/python3 ]; then
	mkdir "$base/bin"
	ln -s /usr/bin/python3 "$base/bin/python3"
	PATH=$base/bin:$PATH
	export PATH
fi
# each test's wall time on its line: where the CI's minutes go
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f s", b - a}'; }
ok() { pass=$((pass + 1)); echo "ok   $1 ($2)"; }
bad() { fail=$((fail + 1)); echo "FAIL $1 ($2)"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }
start=$(now)
export NFPATH tmp
if [ $# = 0 ]; then set -- "$here"/t_*.sh; fi
for t; do
	case $t in */*) ;; *) t=$here/${t%.sh}.sh ;; esac
	name=$(basename "$t" .sh)
	# each test its own scratch directory: a file one test leaves (an exit
	# status, a tmux socket) must not answer another's wait
	tmp=$base/$name
	mkdir -p "$tmp"
	t0=$(now)
	out=$(bash "$t" 2>&1)
	rc=$?
	case $rc in
	0) ok "$name" "$(took "$t0")" ;;
	77) skipped "$name" "$(echo "$out" | tail -1)" ;;
	*) bad "$name" "$(took "$t0")"; echo "$out" | sed 's/^/    /' | tail -30 ;;
	esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped ($(took "$start"))"
[ "$fail" = 0 ]
