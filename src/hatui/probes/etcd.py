"""etcd probe: members, leader, raft position, health and alarms, seen from one master.

One sh script per vantage master (the collector picks one or two per sweep, not all):

- with etcdctl (on the master, or inside the etcd container through `crictl exec` when the
  inventory's method allows it): `member list`, `endpoint health --cluster` and `alarm list`
  against the inventory's endpoint, then `endpoint status` for every member's client URL.
  etcdctl asks endpoints one after the other and waits out its timeout on each dead one, so
  each status runs on its own, all at the same time: with quorum lost the whole script still
  answers within about `dial + command` timeout (~2-3 s), not that times the dead members.
- with curl (method `curl`, or `auto` when neither etcdctl nor crictl is there): etcd's own
  `/health` and the gRPC gateway's member list and status (`/v3/cluster/member/list`,
  `/v3/maintenance/status`) on every member's client URL.

The inventory's endpoint and cert paths are validated by the loader and shell-quoted here;
URLs read back from etcd are only ever expanded inside double quotes. The pure parsers in
`hatui.parsers.etcd` read each part and `combine_etcd` makes one view per member.
"""

from __future__ import annotations

import json

from hatui.errors import TransportError
from hatui.inventory import EtcdMethod, Inventory, shell_quote
from hatui.model import Probe
from hatui.observations import (
    EtcdEndpointFailure,
    EtcdEndpointHealth,
    EtcdEndpointStatus,
    EtcdMemberList,
    EtcdObservation,
    EtcdStatusResult,
    ProbeError,
)
from hatui.parsers import (
    combine_etcd,
    parse_etcd_alarm_list,
    parse_etcd_endpoint_health,
    parse_etcd_endpoint_status,
    parse_etcd_health_json,
    parse_etcd_member_list,
)
from hatui.probes._common import last_line, probe, transport_failure
from hatui.probes._shell import echo_marker, new_nonce, split_parts
from hatui.transport import Transport

SOURCE = "etcd"

DIAL_TIMEOUT = 1.0
"""etcdctl's --dial-timeout (and curl's --connect-timeout), in seconds."""
COMMAND_TIMEOUT = 2.0
"""etcdctl's --command-timeout: how long a member without quorum gets to answer."""

KINDS = ("out", "err", "rc")


def _seconds(value: float) -> str:
    """A Go/curl duration in whole milliseconds ("1500ms"), at least 100 ms."""
    return f"{max(100, int(value * 1000))}ms"


def etcd_script(
    inventory: Inventory,
    nonce: str,
    dial: float = DIAL_TIMEOUT,
    command: float = COMMAND_TIMEOUT,
) -> str:
    """The probe's sh script (see the module docstring); `nonce` marks its parts."""
    etcd = inventory.etcd
    local = shell_quote(etcd.endpoint.rstrip("/"))
    tls = (
        f"--cacert={shell_quote(etcd.ca_cert)} --cert={shell_quote(etcd.cert)} "
        f"--key={shell_quote(etcd.key)}"
    )
    curl_tls = (
        f"--cacert {shell_quote(etcd.ca_cert)} --cert {shell_quote(etcd.cert)} "
        f"--key {shell_quote(etcd.key)}"
    )
    flags = f"--dial-timeout={_seconds(dial)} --command-timeout={_seconds(command)} {tls}"
    method = etcd.method
    may_etcdctl = method in (EtcdMethod.AUTO, EtcdMethod.ETCDCTL)
    may_crictl = method in (EtcdMethod.AUTO, EtcdMethod.CRICTL)
    may_curl = method in (EtcdMethod.AUTO, EtcdMethod.CURL)
    max_time = f"{dial + command:.1f}"

    def m(name: str, value: str = "") -> str:
        return echo_marker(nonce, name, value)

    def job(name: str, command_text: str) -> str:
        """A background job writing <name>.out/.err/.rc into the private directory."""
        return f'( {command_text} >"$t/{name}.out" 2>"$t/{name}.err"; echo $? >"$t/{name}.rc" ) &'

    def show(name: str) -> str:
        return "; ".join(f'{m(f"{name}.{k}")}; cat "$t/{name}.{k}" 2>/dev/null' for k in KINDS)

    urls = (
        "set -f\n"
        'urls=$(grep -o \'"clientURLs":\\[[^]]*\\]\' "$t/members.out" 2>/dev/null'
        " | grep -o 'https\\{0,1\\}://[^\"]*')\n"
    )
    curl_status = job("status$i", "cc -X POST -d '{}' \"$u/v3/maintenance/status\"")
    curl_health = job("health$i", 'cc "$u/health"')
    return f"""\
export ETCDCTL_API=3
tool=
if {_sh_bool(may_etcdctl)} && command -v etcdctl >/dev/null 2>&1; then
  tool=etcdctl
elif {_sh_bool(may_crictl)} && command -v crictl >/dev/null 2>&1; then
  cid=$(crictl ps -q --name '^etcd$' --state running 2>/dev/null | head -n 1)
  [ -n "$cid" ] && tool=crictl
fi
if [ -z "$tool" ] && {_sh_bool(may_curl)} && command -v curl >/dev/null 2>&1; then
  tool=curl
fi
{m("tool", '"$tool"')}
[ -n "$tool" ] || exit 0
ec() {{
  if [ "$tool" = crictl ]; then crictl exec "$cid" etcdctl {flags} "$@"
  else etcdctl {flags} "$@"; fi
}}
cc() {{ curl -sS --connect-timeout {dial:.1f} --max-time {max_time} {curl_tls} "$@"; }}
t=$(mktemp -d "${{TMPDIR:-/tmp}}/hatui-etcd.XXXXXX") || exit 97
trap 'rm -rf "$t"' EXIT
trap 'exit 143' INT TERM
if [ "$tool" = curl ]; then
  cc -X POST -d '{{}}' {local}/v3/cluster/member/list >"$t/members.out" 2>"$t/members.err"
  echo $? >"$t/members.rc"
else
  {job("health", f"ec --endpoints={local} endpoint health --cluster -w json")}
  {job("alarms", f"ec --endpoints={local} alarm list")}
  ec --endpoints={local} member list -w json >"$t/members.out" 2>"$t/members.err"
  echo $? >"$t/members.rc"
fi
{urls}i=0
for u in $urls; do
  i=$((i+1))
  echo "$u" >"$t/status$i.url"
  if [ "$tool" = curl ]; then
    {curl_status}
    {curl_health}
  else
    {job("status$i", 'ec --endpoints="$u" endpoint status -w json')}
  fi
done
wait
{m("count", '"$i"')}
{show("members")}
{show("health")}
{show("alarms")}
j=0
while [ "$j" -lt "$i" ]; do
  j=$((j+1))
  {m("url$j")}; cat "$t/status$j.url"
  {show("status$j")}
  {show("health$j")}
done
"""


def _sh_bool(value: bool) -> str:
    return "true" if value else "false"


def _part(parts: dict[str, str], name: str) -> tuple[str, str, int | None]:
    rc = parts.get(f"{name}.rc", "").strip()
    return (
        parts.get(f"{name}.out", ""),
        parts.get(f"{name}.err", ""),
        int(rc) if rc.lstrip("-").isdigit() else None,
    )


def read_etcd_output(stdout: str, stderr: str, nonce: str) -> EtcdObservation | ProbeError:
    """The framed output of `etcd_script` as one combined view of the members (pure)."""
    parts = split_parts(stdout, nonce)
    if "tool=" not in parts:
        detail = last_line(stderr)
        return ProbeError(
            SOURCE, "the probe script printed nothing" + (f": {detail}" if detail else "")
        )
    tool = parts["tool="]
    if not tool:
        return ProbeError(SOURCE, "no etcdctl, crictl or curl on this master")
    count_text = parts.get("count=", "")
    if not count_text.isdigit():
        return ProbeError(SOURCE, "the probe script was cut short")
    urls = [parts.get(f"url{j}", "").strip() for j in range(1, int(count_text) + 1)]
    out, err, _ = _part(parts, "members")
    members = parse_etcd_member_list(out, err)
    if tool == "curl" and isinstance(members, ProbeError) and not out.strip():
        members = ProbeError("etcd-members", last_line(err) or "curl: no answer")
    if not urls:
        if isinstance(members, ProbeError):
            return members
        return ProbeError(SOURCE, "the member list names no client URL")
    if tool == "curl":
        return _combine_curl(parts, urls, members)
    h_out, h_err, _ = _part(parts, "health")
    a_out, a_err, _ = _part(parts, "alarms")
    statuses: list[EtcdEndpointStatus] = []
    failures: list[EtcdEndpointFailure] = []
    for j, url in enumerate(urls, start=1):
        s_out, s_err, _ = _part(parts, f"status{j}")
        one = parse_etcd_endpoint_status(s_out, s_err)
        if isinstance(one, ProbeError):
            failures.append(EtcdEndpointFailure(endpoint=url, error=one.message))
            continue
        statuses.extend(one.statuses)
        failures.extend(one.failures)
    return combine_etcd(
        status=EtcdStatusResult(statuses=tuple(statuses), failures=tuple(failures)),
        health=parse_etcd_endpoint_health(h_out, h_err),
        members=members,
        alarms=parse_etcd_alarm_list(a_out, a_err),
    )


def _combine_curl(
    parts: dict[str, str], urls: list[str], members: EtcdMemberList | ProbeError
) -> EtcdObservation | ProbeError:
    """The gRPC gateway's answers: statuses wrapped as etcdctl prints them, /health each."""
    statuses: list[EtcdEndpointStatus] = []
    failures: list[EtcdEndpointFailure] = []
    health: list[EtcdEndpointHealth] = []
    for j, url in enumerate(urls, start=1):
        s_out, s_err, s_rc = _part(parts, f"status{j}")
        one: EtcdStatusResult | ProbeError
        if s_rc == 0 and s_out.strip():
            try:
                doc = json.loads(s_out)
            except json.JSONDecodeError:
                doc = None
            wrapped = (
                json.dumps([{"Endpoint": url, "Status": doc}]) if isinstance(doc, dict) else s_out
            )
            one = parse_etcd_endpoint_status(wrapped)
        else:
            one = ProbeError("etcd-status", last_line(s_err) or "curl: no answer")
        if isinstance(one, ProbeError):
            failures.append(EtcdEndpointFailure(endpoint=url, error=one.message))
        else:
            statuses.extend(one.statuses)
        h_out, h_err, h_rc = _part(parts, f"health{j}")
        answer = parse_etcd_health_json(h_out, url) if h_rc == 0 else None
        if isinstance(answer, EtcdEndpointHealth):
            health.append(answer)
        else:
            reason = last_line(h_err) or (answer.message if answer else "no answer")
            health.append(EtcdEndpointHealth(endpoint=url, healthy=False, error=reason))
    return combine_etcd(
        status=EtcdStatusResult(statuses=tuple(statuses), failures=tuple(failures)),
        health=tuple(health),
        members=members,
    )


async def probe_etcd(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None = None
) -> Probe[EtcdObservation]:
    """The etcd cluster as seen from `node`."""
    limit = inventory.ssh.command_timeout if timeout is None else timeout
    # dial + command (+ the member list before the statuses) must fit in the call's limit
    command = max(0.3, min(COMMAND_TIMEOUT, (limit - 0.5) / 2))
    dial = max(0.2, min(DIAL_TIMEOUT, command / 2))
    nonce = new_nonce()
    try:
        result = await transport.run(node, etcd_script(inventory, nonce, dial, command), limit)
    except TransportError as err:
        return probe(transport_failure(SOURCE, err))
    return probe(read_etcd_output(result.stdout, result.stderr, nonce), result.finished)
