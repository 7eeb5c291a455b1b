"""Pure renderers for every file a lab node runs on: no I/O, tested as text.

The keepalived config reproduces seed 000 (base priorities 110/100/100, a `vrrp_script`
that checks the local apiserver, weights 11/12/11, fall 3, rise 2, preemption on);
`unicast` adds `unicast_src_ip`/`unicast_peer` as seed 002 does. HAProxy is seed 001's
TCP frontend with faster checks; nginx is seed 004's `stream` block.
"""

from __future__ import annotations

import base64
import shlex

from .config import APISERVER_PORT, LB_PORT, VRRP_ROUTER_ID, LabConfig, NodeSpec

PKI = "/etc/kubernetes/pki"
ETCD_PKI = f"{PKI}/etcd"
ETCD_DATA_DIR = "/var/lib/etcd"
KEEPALIVED_LOG = "/var/log/keepalived.log"
HAPROXY_SOCKET = "/run/haproxy/admin.sock"
NGINX_ERROR_LOG = "/var/log/nginx/error.log"
SCRIPT_NAME = "CheckK8sMaster"
INSTANCE = "VI_1"


def keepalived_conf(cfg: LabConfig, node: NodeSpec, auth_pass: str) -> str:
    peers = [n for n in cfg.nodes if n.name != node.name]
    if cfg.vrrp == "unicast":
        peer_lines = "\n".join(f"        {p.address}" for p in peers)
        transport = (
            f"    unicast_src_ip {node.address}\n    unicast_peer {{\n{peer_lines}\n    }}\n"
        )
    else:
        transport = f"    mcast_src_ip {node.address}\n"
    return f"""# hatui lab {node.name}: seed 000's keepalived setup ({cfg.vrrp} VRRP)
global_defs {{
    router_id LVS_k8s
    script_user root
    enable_script_security
}}

vrrp_script {SCRIPT_NAME} {{
    script "/usr/bin/curl -sfk --max-time 2 -o /dev/null https://{node.address}:{APISERVER_PORT}/readyz"
    interval {cfg.check_interval}
    timeout 3
    weight {node.check_weight}
    fall 3
    rise 2
}}

vrrp_instance {INSTANCE} {{
    state BACKUP
    interface eth0
    virtual_router_id {VRRP_ROUTER_ID}
    priority {node.base_priority}
    advert_int 1
{transport}    authentication {{
        auth_type PASS
        auth_pass {auth_pass}
    }}
    virtual_ipaddress {{
        {cfg.vip}/{cfg.prefixlen} dev eth0
    }}
    track_script {{
        {SCRIPT_NAME}
    }}
}}
"""


def haproxy_cfg(cfg: LabConfig) -> str:
    servers = "\n".join(
        f"    server {n.name} {n.address}:{APISERVER_PORT} check" for n in cfg.nodes
    )
    return f"""# hatui lab: seed 001's HAProxy TCP frontend, checks every second (fall 2, rise 2)
global
    log stdout format raw local0 info
    stats socket {HAPROXY_SOCKET} mode 600 level admin
    stats timeout 30s
    maxconn 2000

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    timeout connect 3s
    timeout client 1m
    timeout server 1m
    timeout check 2s

frontend kubernetes-apiserver
    bind *:{LB_PORT}
    mode tcp
    default_backend kubernetes-apiserver

backend kubernetes-apiserver
    mode tcp
    balance roundrobin
    default-server inter 1s fall 2 rise 2
{servers}

listen stats
    bind *:1080
    mode http
    stats enable
    stats uri /stats
    stats refresh 5s
"""


def nginx_conf(cfg: LabConfig) -> str:
    servers = "\n".join(
        f"        server {n.address}:{APISERVER_PORT} weight=5 max_fails=4 fail_timeout=20s;"
        f"  # {n.name}"
        for n in cfg.nodes
    )
    return f"""# hatui lab: seed 004's nginx stream load balancer
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid /run/nginx.pid;
error_log {NGINX_ERROR_LOG} info;

events {{
    worker_connections 512;
}}

stream {{
    log_format  main  '$remote_addr $upstream_addr - [$time_local] $status $upstream_bytes_sent';
    access_log  /var/log/nginx/control-plane.log  main;
    upstream backend {{
{servers}
    }}
    server {{
        listen {LB_PORT};
        proxy_pass backend;
    }}
}}
"""


def sshd_config() -> str:
    return """# hatui lab node: key-only root login
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile .ssh/authorized_keys
PidFile /run/sshd.pid
PrintMotd no
UseDNS no
MaxStartups 100:30:200
MaxSessions 50
Subsystem sftp /usr/lib/openssh/sftp-server
"""


def etcd_argv(cfg: LabConfig, node: NodeSpec) -> list[str]:
    members = [n for n in cfg.nodes if n.etcd_member]
    initial = ",".join(f"{n.name}=https://{n.address}:2380" for n in members)
    return [
        "/usr/bin/etcd",
        f"--name={node.name}",
        f"--data-dir={ETCD_DATA_DIR}",
        f"--listen-client-urls=https://127.0.0.1:2379,https://{node.address}:2379",
        f"--advertise-client-urls=https://{node.address}:2379",
        f"--listen-peer-urls=https://{node.address}:2380",
        f"--initial-advertise-peer-urls=https://{node.address}:2380",
        f"--initial-cluster={initial}",
        "--initial-cluster-state=new",
        "--initial-cluster-token=hatui-lab",
        "--listen-metrics-urls=http://127.0.0.1:2381",
        "--client-cert-auth=true",
        f"--trusted-ca-file={ETCD_PKI}/ca.crt",
        f"--cert-file={ETCD_PKI}/server.crt",
        f"--key-file={ETCD_PKI}/server.key",
        "--peer-client-cert-auth=true",
        f"--peer-trusted-ca-file={ETCD_PKI}/ca.crt",
        f"--peer-cert-file={ETCD_PKI}/peer.crt",
        f"--peer-key-file={ETCD_PKI}/peer.key",
        "--snapshot-count=10000",
    ]


def etcd_client_endpoints(cfg: LabConfig, node: NodeSpec) -> list[str]:
    """kubeadm's stacked etcd: an apiserver talks to its local member; masters without a
    member (labs larger than the etcd cluster) talk to every member."""
    if node.etcd_member:
        return ["https://127.0.0.1:2379"]
    return [f"https://{n.address}:2379" for n in cfg.nodes if n.etcd_member]


def services(cfg: LabConfig, node: NodeSpec, python: str) -> dict[str, dict[str, object]]:
    """What `hatui-lab-svc` may start on this node: name -> argv and log file."""
    endpoints = ",".join(etcd_client_endpoints(cfg, node))
    svcs: dict[str, dict[str, object]] = {
        "sshd": {"argv": ["/usr/sbin/sshd", "-D", "-e"], "log": "/var/log/sshd.log"},
        "kube-apiserver": {
            "argv": [
                python,
                "-m",
                "hatui.lab.standin",
                "--node",
                node.name,
                "--address",
                node.address,
                "--port",
                str(APISERVER_PORT),
                "--etcd-endpoints",
                endpoints,
                "--nodes",
                ",".join(n.name for n in cfg.nodes),
                "--kubelets",
                ",".join(f"{n.name}={n.address}" for n in cfg.nodes),
            ],
            "log": "/var/log/kube-apiserver.log",
        },
        # No containers, so no kubelet: a placeholder the stand-ins ask for each node's
        # Ready status (see hatui.lab.kubelet), so that stopping it has a kubelet's effect.
        "kubelet": {
            "argv": [python, "-m", "hatui.lab.kubelet", "--address", node.address],
            "log": "/var/log/kubelet.log",
        },
        "keepalived": {
            "argv": [
                "/usr/sbin/keepalived",
                "-f",
                "/etc/keepalived/keepalived.conf",
                "-p",
                "/run/keepalived.pid",
                "-r",
                "/run/keepalived_vrrp.pid",
                "-c",
                "/run/keepalived_checkers.pid",
                "-P",
                "--dont-fork",
                "--log-console",
                "--log-detail",
            ],
            "log": KEEPALIVED_LOG,
        },
    }
    if node.etcd_member:
        svcs["etcd"] = {"argv": etcd_argv(cfg, node), "log": "/var/log/etcd.log"}
    if cfg.lb == "haproxy":
        svcs["haproxy"] = {
            "argv": ["/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"],
            "log": "/var/log/haproxy.log",
        }
    else:
        svcs["nginx"] = {
            "argv": ["/usr/sbin/nginx", "-c", "/etc/nginx/nginx.conf", "-g", "daemon off;"],
            "log": "/var/log/nginx/stdout.log",
        }
    return svcs


#: The order `up` starts things in (and `down` stops them in reverse).
START_ORDER = ("sshd", "kubelet", "etcd", "kube-apiserver", "haproxy", "nginx", "keepalived")


def kubeconfig_yaml(cfg: LabConfig, ca_pem: bytes, cert_pem: bytes, key_pem: bytes) -> str:
    """kubeadm's admin.conf for the lab: the API through the VIP and the LB port."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"""# Written by `hatui lab up`: the lab's admin kubeconfig (as kubeadm's admin.conf).
apiVersion: v1
kind: Config
clusters:
- name: hatui-lab
  cluster:
    server: https://{cfg.vip}:{LB_PORT}
    certificate-authority-data: {b64(ca_pem)}
contexts:
- name: kubernetes-admin@hatui-lab
  context:
    cluster: hatui-lab
    user: kubernetes-admin
current-context: kubernetes-admin@hatui-lab
preferences: {{}}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: {b64(cert_pem)}
    client-key-data: {b64(key_pem)}
"""


def svc_wrapper(python: str, pythonpath: str) -> str:
    return (
        "#!/bin/sh\n"
        "# hatui lab: start|stop|status a daemon inside the node this runs in.\n"
        f'PYTHONPATH={shlex.quote(pythonpath)} exec {shlex.quote(python)} -m hatui.lab.svc "$@"\n'
    )


def bashrc() -> str:
    # The machine's own .bashrc may be slow (pyenv init): a node gets a minimal one.
    return "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nexport PATH\n"


def inventory_yaml(cfg: LabConfig) -> str:
    masters = "\n".join(f"  - name: {n.name}\n    host: {n.address}" for n in cfg.nodes)
    return f"""# Written by `hatui lab up`: the lab's own inventory (schema: sample-inventory.yaml).
# `hatui lab down` removes it with the lab.
cluster: hatui-lab
masters:
{masters}
ssh:
  user: root
  port: 22
  identity_files: [{cfg.identity_file}]
  agent: false
  known_hosts: {cfg.known_hosts}
  accept_new_host_keys: false
  connect_timeout: 3
  command_timeout: 5
  use_ssh_config: false
vip:
  address: {cfg.vip}
  interface: eth0
  vrrp_instance: {INSTANCE}
  virtual_router_id: {VRRP_ROUTER_ID}
apiserver:
  port: {APISERVER_PORT}
  endpoint: {cfg.vip}:{LB_PORT}
# The lab's admin kubeconfig (a client certificate of the lab's cluster CA, the API through
# the VIP): hatui reads node Ready status and the leader leases with it.
kubeconfig: {cfg.kubeconfig}
load_balancer:
  kind: {cfg.lb}
  port: {LB_PORT}
  haproxy_socket: {HAPROXY_SOCKET}
  nginx_error_log: {NGINX_ERROR_LOG}
etcd:
  endpoint: https://127.0.0.1:2379
  method: etcdctl
  ca_cert: {ETCD_PKI}/ca.crt
  cert: {ETCD_PKI}/healthcheck-client.crt
  key: {ETCD_PKI}/healthcheck-client.key
keepalived:
  config: /etc/keepalived/keepalived.conf
  # No journald in a lab node: keepalived logs to this file.
  log: {KEEPALIVED_LOG}
services:
  # No systemd in a lab node: each node has this small service command instead.
  command: "{cfg.svc_command} {{action}} {{unit}}"
  units:
    keepalived: keepalived
    haproxy: haproxy
    nginx: nginx
    # The lab has no kubelet: its `kubelet` unit is a placeholder whose absence turns the
    # node NotReady in the API, as stopping a real kubelet does (hatui.lab.kubelet).
    kubelet: kubelet
    etcd: etcd
    apiserver: kube-apiserver
"""
