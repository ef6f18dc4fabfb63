#!/bin/sh
# Installs the Debian packages a make target needs, when run as root and
# they are missing; otherwise says which to install. Usage: deps.sh build|test|lab|fuzz
set -eu
build="gcc make pkg-config libncurses-dev libmnl-dev libnftables-dev libnetfilter-log-dev check clang libbpf-dev bpftool"
test="$build tmux nftables iptables ebtables iproute2 iputils-ping mawk python3 time procps iperf3 openssh-client openssh-server util-linux-extra"
lab="docker.io busybox-static"
fuzz="clang libclang-rt-dev"
case "${1:-build}" in
build) want=$build ;;
test) want="$test $lab" ;;
lab) want=$lab ;;
fuzz) want="$build $fuzz" ;;
*) echo "deps.sh: unknown set $1" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# docker.io's and openssh-server's maintainer scripts must not start
	# a daemon in the root namespace (dockerd would rewrite the host's
	# firewall, sshd would listen on every address): policy-rc.d 101
	# forbids service starts for the duration of the install
	made_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
	apt-get update -qq >/dev/null || true
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# the tests start their own sshd in a namespace; the system service
	# the package enables for the next boot is disabled again
	case " $missing " in
	*" openssh-server "*)
		update-rc.d ssh disable >/dev/null 2>&1 || true
		_DEB_SYSTEMD_HELPER_INIT=1 DPKG_MAINTSCRIPT_PACKAGE=openssh-server \
			deb-systemd-helper disable ssh.service ssh.socket >/dev/null 2>&1 || true
		;;
	esac
else
	echo "nfpath needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
