#!/usr/bin/env bash
# Installs what hatui, its lab and its tests need on a Debian/Ubuntu machine (as root):
# the daemons the lab runs, then a venv in .venv with hatui and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="keepalived haproxy nginx-full etcd-server etcd-client openssh-server iptables iproute2 curl tmux python3-venv"
missing=$(for p in $PKGS; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "installing: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
fi
# No systemd in a container: make sure the packages left no daemon of theirs running in
# the root namespace (the lab runs its own, one set per node).
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import hatui, textual, asyncssh, yaml, kubernetes' && echo "hatui installed in .venv"
