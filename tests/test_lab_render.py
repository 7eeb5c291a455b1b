"""The lab's generated configs, checked as text: seed 000's keepalived table, seed 001's
HAProxy checks, seed 004's nginx stream block, seed 002's unicast peers."""

from __future__ import annotations

import re

import pytest

from hatui.lab import preflight, render
from hatui.lab.config import LabConfig


def _conf(cfg: LabConfig, i: int) -> str:
    return render.keepalived_conf(cfg, cfg.nodes[i], "s3cret00")


def test_keepalived_reproduces_seed000_priorities_and_weights() -> None:
    cfg = LabConfig()
    got = [
        (int(re.search(r"\n\s+priority (\d+)", c)[1]), int(re.search(r"weight (\d+)", c)[1]))
        for c in (_conf(cfg, i) for i in range(3))
    ]
    assert got == [(110, 11), (100, 12), (100, 11)]
    conf = _conf(cfg, 0)
    assert "fall 3" in conf and "rise 2" in conf
    assert "nopreempt" not in conf  # preemption on, as in the seed
    assert "https://10.231.0.11:6443/readyz" in conf  # each node checks its own apiserver
    assert f"{cfg.vip}/24 dev eth0" in conf


def test_multicast_and_unicast_vrrp() -> None:
    multi = _conf(LabConfig(), 1)
    assert "mcast_src_ip 10.231.0.12" in multi and "unicast_peer" not in multi
    uni = _conf(LabConfig(vrrp="unicast"), 1)
    assert "unicast_src_ip 10.231.0.12" in uni
    peers = re.search(r"unicast_peer \{([^}]*)\}", uni)[1].split()
    assert peers == ["10.231.0.11", "10.231.0.13"]


def test_haproxy_checks_every_master_fall2_rise2() -> None:
    cfg = LabConfig(masters=4)
    text = render.haproxy_cfg(cfg)
    assert re.findall(r"server (m\d) (\S+):6443 check", text) == [
        ("m1", "10.231.0.11"),
        ("m2", "10.231.0.12"),
        ("m3", "10.231.0.13"),
        ("m4", "10.231.0.14"),
    ]
    assert "default-server inter 1s fall 2 rise 2" in text
    assert "bind *:16443" in text
    assert "stats socket /run/haproxy/admin.sock mode 600 level admin" in text


def test_nginx_stream_is_seed004() -> None:
    text = render.nginx_conf(LabConfig())
    assert text.count("weight=5 max_fails=4 fail_timeout=20s;") == 3
    assert "listen 16443;" in text and "proxy_pass backend;" in text
    assert "ngx_stream_module.so" in text


def test_etcd_members_and_client_endpoints() -> None:
    cfg = LabConfig(masters=7)
    assert cfg.etcd_count == 5
    assert [n.etcd_member for n in cfg.nodes] == [True] * 5 + [False] * 2
    argv = render.etcd_argv(cfg, cfg.nodes[0])
    initial = next(a for a in argv if a.startswith("--initial-cluster="))
    assert initial.count("=https://") == 5
    assert "--client-cert-auth=true" in argv
    assert render.etcd_client_endpoints(cfg, cfg.nodes[0]) == ["https://127.0.0.1:2379"]
    assert len(render.etcd_client_endpoints(cfg, cfg.nodes[6])) == 5
    assert "etcd" not in render.services(cfg, cfg.nodes[6], "/usr/bin/python3")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"masters": 0}, "--masters"),
        ({"masters": 61}, "--masters"),
        ({"lb": "traefik"}, "--lb"),
        ({"vrrp": "broadcast"}, "--vrrp"),
        ({"subnet": "10.0.0.0/28"}, "--subnet"),
        ({"subnet": "10.0.0.1/24"}, "host bits"),
        ({"name": "lab"}, "--name"),
    ],
)
def test_config_rejects_bad_choices(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LabConfig(**kwargs)


def test_every_name_carries_the_lab_prefix() -> None:
    cfg = LabConfig(name="hatui7", masters=30)
    names = [cfg.switch_ns, cfg.bridge, cfg.root_link, cfg.uplink]
    names += [n.netns for n in cfg.nodes] + [n.switch_port for n in cfg.nodes]
    assert all(n.startswith("hatui7-") for n in names)
    assert max(len(n) for n in names) <= 15  # Linux interface names
    assert cfg.state_dir == "/var/lib/hatui7-lab"


def test_missing_packages_named_with_the_apt_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        preflight, "_which", lambda prog: None if prog in ("etcd", "sshd") else "/x"
    )
    with pytest.raises(preflight.LabError) as err:
        preflight.require_packages(LabConfig())
    text = str(err.value)
    assert text.startswith("missing packages: etcd-server openssh-server\n")
    assert preflight.APT_LINE in text


def test_not_root_is_a_one_line_error(monkeypatch, capsys) -> None:
    from hatui import cli

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert cli.main(["lab", "up"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "hatui: Lab error: hatui lab up must run as root (it manages network namespaces)."


def test_subnet_clash_is_refused(monkeypatch) -> None:
    # The machine's own addresses and routes, whatever they are, clash with a lab put on them.
    import ipaddress
    import subprocess

    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    iface = next(
        ipaddress.ip_interface(ln.split()[3])
        for ln in out.splitlines()
        if " lo " not in ln and "hatui" not in ln
    )
    net = ipaddress.ip_network(f"{iface.network.network_address}/24", strict=False)
    if net.prefixlen > iface.network.prefixlen:
        net = iface.network.supernet(new_prefix=min(iface.network.prefixlen, 24))
    cfg = LabConfig(subnet=str(net) if net.prefixlen <= 26 else str(net.supernet(new_prefix=24)))
    with pytest.raises(preflight.LabError, match="clashes with this machine's network"):
        preflight.require_free_subnet(cfg)


def test_kubelet_placeholder_and_the_standins_that_ask_it() -> None:
    cfg = LabConfig(subnet="10.237.0.0/24")
    node = cfg.nodes[1]
    svcs = render.services(cfg, node, "/usr/bin/python3")
    assert svcs["kubelet"]["argv"] == [
        "/usr/bin/python3",
        "-m",
        "hatui.lab.kubelet",
        "--address",
        "10.237.0.12",
    ]
    argv = svcs["kube-apiserver"]["argv"]
    assert isinstance(argv, list)
    assert argv[argv.index("--kubelets") + 1] == "m1=10.237.0.11,m2=10.237.0.12,m3=10.237.0.13"
    assert argv[argv.index("--nodes") + 1] == "m1,m2,m3"
    # started before etcd and the stand-ins, stopped after them
    order = render.START_ORDER
    assert order.index("kubelet") < order.index("kube-apiserver")


def test_inventory_names_the_kubeconfig_and_the_kubelet_unit() -> None:
    from hatui.inventory import parse_inventory

    cfg = LabConfig(name="hatuik", subnet="10.237.0.0/24")
    inv = parse_inventory(render.inventory_yaml(cfg), "lab-inventory.yaml")
    assert inv.kubeconfig == "/var/lib/hatuik-lab/admin.conf" == str(cfg.kubeconfig)
    # stopping "kubelet" stops the placeholder, no longer the apiserver
    assert inv.services.unit("kubelet") == "kubelet"
    assert inv.services.unit("apiserver") == "kube-apiserver"


def test_kubeconfig_is_admin_conf_through_the_vip(tmp_path) -> None:
    import base64

    import yaml
    from kubernetes import config as kube_config

    from hatui.lab import pki

    cfg = LabConfig(subnet="10.237.0.0/24")
    ca = pki.new_ca("kubernetes")
    admin = ca.issue("kubernetes-admin", client=True, organization="system:masters")
    text = render.kubeconfig_yaml(cfg, ca.pem.cert, admin.cert, admin.key)
    doc = yaml.safe_load(text)
    (cluster,) = doc["clusters"]
    assert cluster["cluster"]["server"] == "https://10.237.0.10:16443"
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]) == ca.pem.cert
    (user,) = doc["users"]
    assert base64.b64decode(user["user"]["client-key-data"]) == admin.key
    # the kubernetes client itself accepts it
    path = tmp_path / "admin.conf"
    path.write_text(text)
    client = kube_config.new_client_from_config(config_file=str(path))
    try:
        assert client.configuration.host == "https://10.237.0.10:16443"
        assert client.configuration.cert_file and client.configuration.ssl_ca_cert
    finally:
        client.close()
