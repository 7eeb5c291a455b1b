"""Pure parsers: command output in, a frozen observation (or a `ProbeError` value) out.

One module per source; none does I/O, none raises on bad input (empty, truncated, foreign
text comes back as a `ProbeError` saying what was wrong), and none imports the UI. The probe
runners run the commands and hand the text here; tests feed captured real output.
"""

from hatui.parsers.apiserver import parse_apiserver_health
from hatui.parsers.etcd import (
    combine_etcd,
    parse_etcd_alarm_list,
    parse_etcd_endpoint_health,
    parse_etcd_endpoint_status,
    parse_etcd_health_json,
    parse_etcd_member_list,
)
from hatui.parsers.haproxy import parse_haproxy_stat
from hatui.parsers.keepalived_data import merge_keepalived, parse_keepalived_data
from hatui.parsers.keepalived_json import parse_keepalived_json
from hatui.parsers.keepalived_log import parse_keepalived_log
from hatui.parsers.kube import parse_lease, parse_node_list
from hatui.parsers.lvs import parse_ipvsadm
from hatui.parsers.nginx import nginx_observation, parse_nginx_error_log
from hatui.parsers.redact import redact
from hatui.parsers.vip import parse_ip_addr, vip_on

__all__ = [
    "combine_etcd",
    "merge_keepalived",
    "nginx_observation",
    "parse_apiserver_health",
    "parse_etcd_alarm_list",
    "parse_etcd_endpoint_health",
    "parse_etcd_endpoint_status",
    "parse_etcd_health_json",
    "parse_etcd_member_list",
    "parse_haproxy_stat",
    "parse_ip_addr",
    "parse_ipvsadm",
    "parse_keepalived_data",
    "parse_keepalived_json",
    "parse_keepalived_log",
    "parse_lease",
    "parse_nginx_error_log",
    "parse_node_list",
    "redact",
    "vip_on",
]
