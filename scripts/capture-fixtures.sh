#!/usr/bin/env bash
# Capture real daemon outputs from a running lab into tests/fixtures/captured/, for the
# parsers' unit tests. Usage (root): scripts/capture-fixtures.sh LAB_NAME
# It injects and clears faults on that lab (iptables REJECT on m1, two etcd members stopped).
set -u
NAME=${1:-hatui}
STATE=/var/lib/$NAME-lab
OUT=$(dirname "$0")/../tests/fixtures/captured
INV=$(python3 -c "import json;print(json.load(open('$STATE/lab.json'))['inventory'])")
SUBNET=$(python3 -c "import json;print(json.load(open('$STATE/lab.json'))['config']['subnet'])")
BASE=${SUBNET%.0/*}
ssh_() { ssh -i "$STATE/ssh/id_ed25519" -o UserKnownHostsFile="$STATE/ssh/known_hosts" \
  -o StrictHostKeyChecking=yes -o BatchMode=yes "root@$BASE.$1" "$2"; }
ETCDCTL='ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key'
DUMP='rm -f /tmp/keepalived.json /tmp/keepalived.data; kill -$(keepalived --signum=JSON) $(cat /run/keepalived.pid); kill -$(keepalived --signum=DATA) $(cat /run/keepalived.pid); sleep 0.5'
STAT='python3 -c "import socket;s=socket.socket(socket.AF_UNIX);s.connect(\"/run/haproxy/admin.sock\");s.sendall(b\"show stat\n\");print(s.makefile().read(),end=\"\")"'
cap() { # state node
  ssh_ "$2" "$DUMP" ; ssh_ "$2" 'cat /tmp/keepalived.json' > "$OUT/keepalived-json-$1-m$(( $2 - 10 )).json"
  ssh_ "$2" 'cat /tmp/keepalived.data' > "$OUT/keepalived-data-$1-m$(( $2 - 10 )).txt"
  ssh_ "$2" 'ip -o addr' > "$OUT/ip-o-addr-$1-m$(( $2 - 10 )).txt"
}
for n in 11 12; do cap healthy $n; done
ssh_ 11 "$STAT" > "$OUT/haproxy-show-stat-healthy.csv"
ssh_ 11 "$ETCDCTL endpoint status --cluster -w json" > "$OUT/etcdctl-endpoint-status-healthy.json"
ssh_ 11 "$ETCDCTL endpoint health --cluster -w json" > "$OUT/etcdctl-endpoint-health-healthy.json"
ssh_ 11 "$ETCDCTL member list -w json" > "$OUT/etcdctl-member-list-healthy.json"
ssh_ 11 "$ETCDCTL endpoint status --cluster -w table" > "$OUT/etcdctl-endpoint-status-healthy.table"
ssh_ 11 "$ETCDCTL alarm list" > "$OUT/etcdctl-alarm-list-healthy.txt"
ssh_ 11 'curl -sk "https://127.0.0.1:6443/readyz?verbose"' > "$OUT/readyz-verbose-healthy.txt"
ssh_ 11 'curl -sk "https://127.0.0.1:6443/livez?verbose"' > "$OUT/livez-verbose-healthy.txt"
# m1's apiserver rejected (seed 000's fault): script fails, priority 110, VIP moves to m2
ssh_ 11 'iptables -I INPUT -p tcp --dport 6443 -j REJECT -m comment --comment hatui:capture'
sleep 9
for n in 11 12; do cap m1-rejected $n; done
ssh_ 12 "$STAT" > "$OUT/haproxy-show-stat-m1-rejected.csv"
ssh_ 11 'cat /var/log/keepalived.log' > "$OUT/keepalived-log-m1-rejected-m1.log"
ssh_ 12 'cat /var/log/keepalived.log' > "$OUT/keepalived-log-m1-rejected-m2.log"
ssh_ 11 'iptables -D INPUT -p tcp --dport 6443 -j REJECT -m comment --comment hatui:capture'
sleep 6
# quorum lost: etcd stopped on m2 and m3
ssh_ 12 "$STATE/bin/hatui-lab-svc stop etcd"; ssh_ 13 "$STATE/bin/hatui-lab-svc stop etcd"
sleep 4
ssh_ 11 "$ETCDCTL endpoint status --cluster -w json" > "$OUT/etcdctl-endpoint-status-quorum-lost.json" 2> "$OUT/etcdctl-endpoint-status-quorum-lost.stderr"
ssh_ 11 "$ETCDCTL endpoint status -w json" > "$OUT/etcdctl-endpoint-status-local-quorum-lost.json" 2> "$OUT/etcdctl-endpoint-status-local-quorum-lost.stderr"
ssh_ 11 "$ETCDCTL endpoint health --cluster -w json" > "$OUT/etcdctl-endpoint-health-quorum-lost.json" 2> "$OUT/etcdctl-endpoint-health-quorum-lost.stderr"
ssh_ 11 "$ETCDCTL member list -w json" > "$OUT/etcdctl-member-list-quorum-lost.json" 2> "$OUT/etcdctl-member-list-quorum-lost.stderr"
ssh_ 11 'curl -sk "https://127.0.0.1:6443/readyz?verbose"' > "$OUT/readyz-verbose-quorum-lost.txt"
sleep 4
cap quorum-lost 11
ssh_ 12 "$STATE/bin/hatui-lab-svc start etcd"; ssh_ 13 "$STATE/bin/hatui-lab-svc start etcd"
ssh_ 11 'keepalived --version 2>&1' > "$OUT/keepalived-version.txt"
ls -la "$OUT"
