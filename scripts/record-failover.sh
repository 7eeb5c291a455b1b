#!/usr/bin/env bash
# Record a real failover on a running lab, for tests and for people to replay without root:
#   bash scripts/record-failover.sh [LAB_NAME] [OUT]     (as root; the lab must be up)
# Seed 000's fault by hand: m1's apiserver port rejected, then the rule removed again.
# The recording (JSON lines, redacted) is gzipped; `hatui replay OUT` reads it as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-hatui}
out=${2:-tests/fixtures/recordings/failover.jsonl.gz}
state=/var/lib/$name-lab
inventory=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inventory"] or "")' "$state/lab.json")
[ -f "$inventory" ] || { echo "no inventory for lab $name (is it up?)" >&2; exit 1; }
rule=(INPUT -p tcp --dport 6443 -j REJECT -m comment --comment hatui:recording)
tmp=$(mktemp --suffix=.jsonl)
trap 'ip netns exec "$name-m1" iptables -D "${rule[@]}" 2>/dev/null || true; rm -f "$tmp"' EXIT

.venv/bin/hatui status "$inventory" --json --watch 1 --count 45 --record "$tmp" >/dev/null &
watcher=$!
sleep 5                                   # a few healthy states first
ip netns exec "$name-m1" iptables -I "${rule[@]}"
echo "$(date +%T) m1:6443 rejected"
sleep 18                                  # VIP to m2, backend m1 DOWN everywhere
ip netns exec "$name-m1" iptables -D "${rule[@]}"
echo "$(date +%T) rule removed"
wait "$watcher" || true                   # VIP back on m1 (preempt), everything up
gzip -9 -n -c "$tmp" > "$out"
echo "recorded $(wc -l < "$tmp") states into $out ($(stat -c %s "$out") bytes)"
