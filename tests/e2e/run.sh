#!/bin/sh
# End-to-end tests of the real binary. Each test prints "ok NAME" or
# "FAIL NAME"; the last line is the plain "N passed, N failed" summary.
set -u
NFPATH=${NFPATH:-build/nfpath}
here=$(dirname "$0")
pass=0 fail=0 skip=0
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT INT TERM
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }
export NFPATH tmp
for t in "$here"/t_*.sh; do
	name=$(basename "$t" .sh)
	# each test its own scratch directory: a file one test leaves (an exit
	# status, a tmux socket) must not answer another's wait
	tmp=$base/$name
	mkdir -p "$tmp"
	out=$(bash "$t" 2>&1)
	rc=$?
	case $rc in
	0) ok "$name" ;;
	77) skipped "$name" "$(echo "$out" | tail -1)" ;;
	*) bad "$name"; echo "$out" | sed 's/^/    /' | tail -30 ;;
	esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
