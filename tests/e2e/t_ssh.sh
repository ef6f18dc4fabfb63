# shellcheck shell=bash disable=SC2154
# --ssh against a real sshd: the two-host lab, a capture on each host
# started through ssh (a sshd the test runs in its own namespace nfpl-ssh,
# on 127.0.0.1 there only, with its own host key, config and
# authorized_keys, reached as root with a key made for the test), the
# recordings merged live: one packet per ping with hops on both hosts. A
# host that cannot be reached, and one whose capture fails, are named with
# their errors while the other host's packets still arrive. And the README
# recipe: each capture piped through ssh into nfpath -r - style inputs.
# Needs root.
set -eu
. tests/e2e/lab_common.sh
[ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null || { echo "openssh-server not installed"; exit 77; }
$LAB down >/dev/null
$LAB up --plain --hosts 2 >/dev/null

# ---- the sshd, in nfpl-ssh (the lab's down removes it with its processes)
S=$tmp/ssh
mkdir -p "$S"
chmod 700 "$S"
ssh-keygen -q -t ed25519 -N '' -C nfpath-test-host -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -C nfpath-test-user -f "$S/user_key"
cp "$S/user_key.pub" "$S/authorized_keys"
cat > "$S/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port 2222
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $S/sshd.pid
LogLevel ERROR
EOF
echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$S/host_key.pub")" > "$S/known_hosts"
cat > "$S/ssh_config" <<EOF
Host lab
	HostName 127.0.0.1
	Port 2222
	User root
Host lab-dead
	HostName 127.0.0.1
	Port 2
	User root
Host *
	IdentityFile $S/user_key
	IdentitiesOnly yes
	UserKnownHostsFile $S/known_hosts
	StrictHostKeyChecking yes
	GlobalKnownHostsFile /dev/null
EOF
# sshd wants its privilege separation directory
mkdir -p /run/sshd
ip netns add nfpl-ssh
ip -n nfpl-ssh link set lo up
ip netns exec nfpl-ssh /usr/sbin/sshd -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
disown
for _ in $(seq 1 50); do
	ip netns exec nfpl-ssh ssh -F "$S/ssh_config" lab true 2>/dev/null && break
	sleep 0.1
done
ip netns exec nfpl-ssh ssh -F "$S/ssh_config" lab true || { cat "$S/sshd.log"; exit 1; }
# nothing of it in the root namespace
! ss -ltn | grep -q ':2222 '

inssh() { ip netns exec nfpl-ssh "$@"; }
armed2() {
	for _ in $(seq 1 100); do
		ip netns exec "$1" nft list tables 2>/dev/null | grep -q 'inet nfpath' && return 0
		sleep 0.1
	done
	echo "capture in $1 never armed"
	return 1
}
unarmed2() {
	for _ in $(seq 1 100); do
		ip netns exec "$1" nft list tables 2>/dev/null | grep -q 'inet nfpath' || return 0
		sleep 0.1
	done
	echo "capture in $1 never ended"
	return 1
}
H=$(hostname)
# every ping one packet with hops on both hosts, in journey order;
# $1: the merged --json, $2: how many pings. The captures select icmp: the
# overlay's outer UDP packets are the tunnel work's business
check_two() {
python3 - "$1" "$2" "$H/nfpl-host" "$H/nfpl-host2" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
n, h1, h2 = int(sys.argv[2]), sys.argv[3], sys.argv[4]
assert len(pk) == 2 * n, [(p["summary"], p["hosts"]) for p in pk]
assert [p["direction"] for p in pk] == ["original", "reply"] * n, [p["direction"] for p in pk]
for p in pk:
    want = [h1, h2] if p["direction"] == "original" else [h2, h1]
    assert p["hosts"] == want, (p["summary"], p["hosts"])
    nd = [h for h in p["hops"] if h["kind"] != "drop"]
    hs = [h["host"] for h in nd]
    k = hs.index(want[1])
    assert hs[:k] == [want[0]] * k and hs[k:] == [want[1]] * (len(hs) - k), hs
    assert "flannel.1" in [h["out"] for h in nd[:k]], [(h["box"], h["in"], h["out"]) for h in nd[:k]]
    assert nd[k]["in"] == "flannel.1", (nd[k]["box"], nd[k]["in"])
    if p["direction"] == "original":
        assert p["fate"]["kind"] == "forwarded", p["fate"]["text"]
PY
}

# ---- live over ssh: both hosts, merged as they come
inssh "$N" --json --live --ssh-config "$S/ssh_config" --ssh-nfpath "$N" \
	--ssh lab -n nfpl-host --ssh lab -n nfpl-host2 -c 6 -t 30 icmp > "$tmp/live.json" 2>"$tmp/live.err" &
p=$!
armed2 nfpl-host
armed2 nfpl-host2
$LAB ping x2x 3 >/dev/null
wait $p || { cat "$tmp/live.err"; exit 1; }
check_two "$tmp/live.json" 3 || { cat "$tmp/live.err"; exit 1; }

# ---- a host that cannot be reached and one whose capture fails: named
# with their errors; the good host's packets still arrive
inssh "$N" --json --live --ssh-config "$S/ssh_config" --ssh-nfpath "$N" \
	--ssh lab-dead --ssh lab -n nfpl-host --ssh lab -n nfpl-nosuch -c 6 -t 30 icmp > "$tmp/dead.json" 2>"$tmp/dead.err" &
p=$!
armed2 nfpl-host
$LAB ping x2x 3 >/dev/null
rc=0
wait $p || rc=$?
[ "$rc" = 1 ] || { echo "a failed host: status $rc, not 1"; cat "$tmp/dead.err"; exit 1; }
grep -q '^nfpath: lab-dead: ssh: connect to host 127.0.0.1 port 2: Connection refused$' "$tmp/dead.err" ||
	{ cat "$tmp/dead.err"; exit 1; }
grep -q '^nfpath: lab/nfpl-nosuch: nfpath capture: .*nfpl-nosuch' "$tmp/dead.err" || { cat "$tmp/dead.err"; exit 1; }
python3 - "$tmp/dead.json" "$H/nfpl-host" <<'PY'
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
assert len(pk) == 6, [(p["summary"], p.get("hosts")) for p in pk]
for p in pk:
    assert all(h["host"] == sys.argv[2] for h in p["hops"]), [h["host"] for h in p["hops"]]
PY
unarmed2 nfpl-host

# the explorer names the dead host on its status line (headless screen)
inssh "$N" --screen 250x12 --live --ssh-config "$S/ssh_config" --ssh-nfpath "$N" \
	--ssh lab-dead --ssh lab -n nfpl-host -c 2 -t 30 icmp > "$tmp/dead.screen" 2>"$tmp/dead2.err" &
p=$!
armed2 nfpl-host
$LAB ping x2x 1 >/dev/null
rc=0
wait $p || rc=$?
[ "$rc" = 1 ] || { echo "screen: status $rc"; cat "$tmp/dead2.err"; exit 1; }
tail -1 "$tmp/dead.screen" | grep -q 'lab-dead: ssh: connect to host 127.0.0.1 port 2: Connection refused' ||
	{ cat "$tmp/dead.screen"; exit 1; }
grep -q 'c1 ' "$tmp/dead.screen" || grep -q '172.17.0.2' "$tmp/dead.screen" || { cat "$tmp/dead.screen"; exit 1; }
unarmed2 nfpl-host

# ---- the explorer itself (tmux): both hosts' journeys as they come, the
# dead host on the status line; q ends the far side's captures
if command -v tmux >/dev/null; then
	sock=$tmp/tmux.sock
	T() { tmux -S "$sock" "$@"; }
	rm -f "$tmp/exit"
	T -f /dev/null new-session -d -s t -x 250 -y 40 \
		"LC_ALL=C.UTF-8 TERM=xterm ip netns exec nfpl-ssh $N --live --ssh-config $S/ssh_config --ssh-nfpath $N --ssh lab-dead --ssh lab -n nfpl-host --ssh lab -n nfpl-host2 icmp 2>$tmp/tui.err; echo \$? > $tmp/exit; sleep 30"
	armed2 nfpl-host
	armed2 nfpl-host2
	$LAB ping x2x 2 >/dev/null
	for _ in $(seq 1 50); do T capture-pane -t t -p | grep -q "packet [0-9]*/4 " && break; sleep 0.1; done
	T capture-pane -t t -p > "$tmp/tui.screen"
	grep -q "packet [0-9]*/4 " "$tmp/tui.screen" || { cat "$tmp/tui.screen"; exit 1; }
	grep "packet [0-9]*/4 " "$tmp/tui.screen" | grep -q "lab-dead: ssh: connect to host 127.0.0.1 port 2: Connection refused" ||
		{ cat "$tmp/tui.screen"; exit 1; }
	T send-keys -t t q
	for _ in $(seq 1 50); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
	[ "$(cat "$tmp/exit")" = 1 ] || { echo "explorer exit $(cat "$tmp/exit" 2>/dev/null)"; T capture-pane -t t -p; exit 1; }
	grep -q "^nfpath: lab-dead: ssh: connect to host" "$tmp/tui.err" || { cat "$tmp/tui.err"; exit 1; }
	T kill-server 2>/dev/null || true
	unarmed2 nfpl-host
	unarmed2 nfpl-host2
fi

# ---- the README recipe: each capture piped through ssh, read together
inssh bash -c "'$N' -r <(ssh -F '$S/ssh_config' -o BatchMode=yes lab '$N' capture -n nfpl-host -c 6 -t 30 -w - icmp 2>'$tmp/p1.err') \
	-r <(ssh -F '$S/ssh_config' -o BatchMode=yes lab '$N' capture -n nfpl-host2 -c 6 -t 30 icmp 2>'$tmp/p2.err') --json" \
	> "$tmp/pipe.json" 2>"$tmp/pipe.err" &
p=$!
armed2 nfpl-host
armed2 nfpl-host2
$LAB ping x2x 3 >/dev/null
wait $p || { cat "$tmp/pipe.err" "$tmp/p1.err" "$tmp/p2.err"; exit 1; }
check_two "$tmp/pipe.json" 3 || { cat "$tmp/pipe.err"; exit 1; }
$LAB down >/dev/null
echo ok
