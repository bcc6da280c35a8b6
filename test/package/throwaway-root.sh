#!/bin/bash
# Installs, upgrades (twice), removes and purges a qmon .deb in a throwaway root, printing the state after each step.
# Run as root inside a private mount namespace: unshare -m --propagation private bash throwaway-root.sh DEB DIR
#
# The root is this machine's own / under an overlay whose writable layer is a tmpfs mounted on DIR: the host's files
# are never written, and everything goes when the namespace ends. Its /run is empty, so systemd is not running there
# (as in a container, a chroot, an image being prepared), and policy-rc.d forbids starting services, as Debian's own
# package tests do. Output: "== STEP" headers, each followed by "KEY VALUE" lines (see snapshot()).
set -euo pipefail
DEB=$1
DIR=$2

mount -t tmpfs -o size=1g,mode=0755 qmon-throwaway "$DIR"
mkdir "$DIR/upper" "$DIR/work" "$DIR/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$DIR/upper,workdir=$DIR/work" "$DIR/root"
R=$DIR/root
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
cp "$DEB" "$R/root/qmon.deb"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
chmod 0755 "$R/usr/sbin/policy-rc.d"

in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -c "$1" </dev/null; }

snapshot() {
	in_root '
	echo "user $(getent passwd qmon || echo absent)"
	for p in /var/lib/qmon /etc/qmon /etc/qmon/qmon.yaml /etc/qmon/qmon.env /usr/bin/qmon /usr/lib/qmon /usr/lib/systemd/system/qmon.service; do
		if [ -e "$p" ]; then echo "stat $p $(stat -c "%U:%G %a %F" "$p")"; else echo "stat $p absent"; fi
	done
	for l in /etc/systemd/system/multi-user.target.wants/qmon.service /etc/systemd/system/qmon.service; do
		if [ -L "$l" ]; then echo "link $l $(readlink "$l")"; else echo "link $l absent"; fi
	done
	echo "dpkg $(dpkg-query -W -f="\${Status}" qmon 2>/dev/null || echo absent)"
	echo "yaml-last-line $(tail -n 1 /etc/qmon/qmon.yaml 2>/dev/null || echo absent)"
	echo "env-last-line $(tail -n 1 /etc/qmon/qmon.env 2>/dev/null || echo absent)"
	'
}

# A step: its command's exit status, every line it printed (prefixed "out "), then the state.
step() {
	echo "== $1"
	set +e
	out=$(in_root "$2" 2>&1)
	rc=$?
	set -e
	echo "rc $rc"
	printf '%s\n' "$out" | sed 's/^/out /'
	snapshot
}

step install 'dpkg -i /root/qmon.deb && qmon --version'
# The site's own edits: the conffile and the secrets must survive an upgrade.
in_root 'echo "# site edit" >> /etc/qmon/qmon.yaml && echo "CAM_A_PASSWORD=site-secret" >> /etc/qmon/qmon.env'
step upgrade 'dpkg -i /root/qmon.deb'
step upgrade-disabled 'systemctl disable qmon.service && dpkg -i /root/qmon.deb'
step remove 'dpkg -r qmon'
step purge 'dpkg -P qmon'
# What the whole life cycle left behind: every file (not directory) of the writable layer.
echo "== left"
(cd "$DIR/upper" && find . \( -type f -o -type l -o -type c \) | sed 's/^\./file /' | sort)
