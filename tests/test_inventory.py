"""The inventory loader: the documented sample, the defaults, and every kind of error.

Error tests assert the whole message: file, 1-based line, dotted field path and what was
expected, because that message is all a person gets to fix their file with.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path

import pytest
import yaml

from hatui.errors import InventoryError
from hatui.inventory import (
    ApiServer,
    ApiServerChecks,
    Etcd,
    EtcdMethod,
    Inventory,
    JumpHost,
    Keepalived,
    LbKind,
    LoadBalancer,
    Master,
    Services,
    ServiceUnits,
    SshSettings,
    Vip,
    load_inventory,
    parse_inventory,
    shell_quote,
)

SAMPLE = Path(__file__).resolve().parents[1] / "sample-inventory.yaml"

# Six lines; whatever a test appends starts at line 7.
MINIMAL = """\
cluster: c
masters:
  - name: m1
    host: 10.0.0.1
vip:
  address: 10.0.0.100
"""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fixed HOME so `~` expansion is predictable."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def error_of(text: str, source: str = "inv.yaml") -> str:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, source)
    return str(caught.value)


# The sample


def test_sample_inventory_loads_with_the_values_it_documents(home: Path) -> None:
    inv = load_inventory(SAMPLE)

    assert inv.source == str(SAMPLE)
    assert inv.cluster == "prod-eu1"
    assert inv.masters == (
        Master(name="m1", host="192.168.6.238", ssh_user="admin", ssh_port=2222),
        Master(name="m2", host="192.168.6.239", ssh_user="root", ssh_port=22),
        Master(name="m3", host="m3.prod-eu1.example.com", ssh_user="root", ssh_port=22),
    )
    assert inv.ssh == SshSettings(
        user="root",
        port=22,
        identity_files=(f"{home}/.ssh/id_ed25519", f"{home}/.ssh/hatui_rsa"),
        agent=True,
        known_hosts=f"{home}/.ssh/known_hosts",
        accept_new_host_keys=False,
        jump_host=JumpHost(user="ops", host="bastion.example.com", port=2200),
        connect_timeout=5.0,
        command_timeout=7.5,
        sudo=False,
        use_ssh_config=True,
    )
    assert inv.vip == Vip(
        address="192.168.6.236", interface="eth0", vrrp_instance="VI_1", virtual_router_id=51
    )
    assert inv.apiserver == ApiServer(port=6443, endpoint_host="192.168.6.236", endpoint_port=16443)
    assert inv.api_endpoint == ("192.168.6.236", 16443)
    assert inv.load_balancer == LoadBalancer(
        kind=LbKind.HAPROXY,
        port=16443,
        hosts=("m1", "m2", "m3"),
        haproxy_socket="/run/haproxy/admin.sock",
        nginx_error_log="/var/log/nginx/error.log",
    )
    assert inv.etcd == Etcd(
        endpoint="https://127.0.0.1:2379",
        method=EtcdMethod.AUTO,
        ca_cert="/etc/kubernetes/pki/etcd/ca.crt",
        cert="/etc/kubernetes/pki/etcd/healthcheck-client.crt",
        key="/etc/kubernetes/pki/etcd/healthcheck-client.key",
    )
    assert inv.keepalived == Keepalived(config="/etc/keepalived/keepalived.conf", log="journal")
    assert inv.apiserver_checks == ApiServerChecks(insecure_skip_tls_verify=True)
    assert inv.kubeconfig == f"{home}/.kube/prod-eu1.conf"
    assert inv.services == Services(
        command_template="systemctl {action} {unit}",
        units=ServiceUnits(
            keepalived="keepalived",
            haproxy="haproxy",
            nginx="nginx",
            kubelet="kubelet",
            etcd="etcd",
            apiserver="kube-apiserver",
        ),
    )


def test_sample_inventory_shows_every_field() -> None:
    """A field added to the schema must be added, with its comment, to the sample too."""
    sample = yaml.safe_load(SAMPLE.read_text())

    def names(cls: type) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    assert set(sample) == names(Inventory) - {"source"}
    assert set().union(*(set(m) for m in sample["masters"])) == {"name", "host", "port", "user"}
    assert set(sample["ssh"]) == names(SshSettings)
    assert set(sample["vip"]) == names(Vip)
    assert set(sample["apiserver"]) == {"port", "endpoint"}
    assert set(sample["load_balancer"]) == names(LoadBalancer)
    assert set(sample["etcd"]) == names(Etcd)
    assert set(sample["keepalived"]) == names(Keepalived)
    assert set(sample["apiserver_checks"]) == names(ApiServerChecks)
    assert set(sample["services"]) == {"command", "units"}
    assert set(sample["services"]["units"]) == names(ServiceUnits)


# Defaults


def test_minimal_inventory_gets_every_default(home: Path) -> None:
    inv = parse_inventory(MINIMAL)

    assert inv.source == "<string>"
    assert inv.masters == (Master(name="m1", host="10.0.0.1", ssh_user="root", ssh_port=22),)
    assert inv.ssh == SshSettings(
        user="root",
        port=22,
        identity_files=(),
        agent=True,
        known_hosts=f"{home}/.ssh/known_hosts",
        accept_new_host_keys=False,
        jump_host=None,
        connect_timeout=5.0,
        command_timeout=5.0,
        sudo=False,
        use_ssh_config=True,
    )
    assert inv.vip == Vip(address="10.0.0.100")
    assert (inv.vip.interface, inv.vip.vrrp_instance, inv.vip.virtual_router_id) == (None,) * 3
    assert inv.apiserver.port == 6443
    assert inv.apiserver.endpoint == "10.0.0.100:16443"  # VIP on the LB port
    assert inv.api_endpoint == ("10.0.0.100", 16443)
    assert inv.load_balancer == LoadBalancer(
        kind=LbKind.HAPROXY,
        port=16443,
        hosts=("m1",),
        haproxy_socket="/run/haproxy/admin.sock",
        nginx_error_log="/var/log/nginx/error.log",
    )
    assert inv.lb_masters == inv.masters
    assert inv.etcd == Etcd(
        endpoint="https://127.0.0.1:2379",
        method=EtcdMethod.AUTO,
        ca_cert="/etc/kubernetes/pki/etcd/ca.crt",
        cert="/etc/kubernetes/pki/etcd/healthcheck-client.crt",
        key="/etc/kubernetes/pki/etcd/healthcheck-client.key",
    )
    assert inv.keepalived == Keepalived(config="/etc/keepalived/keepalived.conf", log="journal")
    assert inv.keepalived.log_is_journal
    assert inv.apiserver_checks.insecure_skip_tls_verify is True
    assert inv.kubeconfig is None
    assert inv.services.command_template == "systemctl {action} {unit}"
    assert [inv.services.unit(s) for s in ServiceUnits.__dataclass_fields__] == [
        "keepalived",
        "haproxy",
        "nginx",
        "kubelet",
        "etcd",
        "kube-apiserver",
    ]


def test_without_load_balancer_clients_use_the_vip_on_the_apiserver_port() -> None:
    inv = parse_inventory(MINIMAL + "apiserver:\n  port: 7443\nload_balancer:\n  kind: none\n")

    assert inv.load_balancer.kind is LbKind.NONE
    assert inv.api_endpoint == ("10.0.0.100", 7443)
    assert inv.apiserver.url == "https://10.0.0.100:7443"
    assert inv.lb_masters == ()


def test_default_endpoint_follows_the_load_balancer_port() -> None:
    inv = parse_inventory(MINIMAL + "load_balancer:\n  kind: nginx\n  port: 8443\n")

    assert inv.load_balancer.kind is LbKind.NGINX
    assert inv.api_endpoint == ("10.0.0.100", 8443)


def test_ipv6_vip_endpoint_is_bracketed() -> None:
    inv = parse_inventory(MINIMAL.replace("10.0.0.100", "2001:DB8::10"))

    assert inv.vip.address == "2001:db8::10"
    assert inv.api_endpoint == ("2001:db8::10", 16443)
    assert inv.apiserver.url == "https://[2001:db8::10]:16443"


def test_explicit_endpoint_wins() -> None:
    inv = parse_inventory(MINIMAL + "apiserver:\n  endpoint: api.example.com:443\n")

    assert inv.api_endpoint == ("api.example.com", 443)


def test_null_or_empty_optional_keys_take_their_defaults() -> None:
    inv = parse_inventory(MINIMAL + "ssh:\n  port: null\n  user:\netcd:\nkubeconfig: null\n")

    assert (inv.ssh.port, inv.ssh.user, inv.kubeconfig) == (22, "root", None)
    assert inv.etcd == Etcd()


def test_master_overrides_ssh_user_and_port() -> None:
    text = MINIMAL.replace("host: 10.0.0.1", "host: 10.0.0.1\n    user: admin")
    inv = parse_inventory(text + "ssh:\n  user: ops\n  port: 2200\n")

    assert inv.master("m1") == Master(name="m1", host="10.0.0.1", ssh_user="admin", ssh_port=2200)


def test_lb_hosts_pick_the_masters_that_run_it() -> None:
    text = """\
cluster: c
masters:
  - {name: m1, host: 10.0.0.1}
  - {name: m2, host: 10.0.0.2}
  - {name: m3, host: 10.0.0.3}
vip: {address: 10.0.0.100}
load_balancer:
  hosts: [m3, m1]
"""
    inv = parse_inventory(text)

    assert inv.load_balancer.hosts == ("m3", "m1")
    assert [m.name for m in inv.lb_masters] == ["m1", "m3"]  # inventory order


def test_master_lookup_by_name() -> None:
    inv = parse_inventory(MINIMAL)

    assert inv.master("m1").host == "10.0.0.1"
    with pytest.raises(KeyError):
        inv.master("m9")


def test_inventory_is_frozen_with_tuples() -> None:
    inv = parse_inventory(MINIMAL + "ssh:\n  identity_files: [~/.ssh/a]\n")

    assert isinstance(inv.masters, tuple)
    assert isinstance(inv.ssh.identity_files, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        inv.cluster = "other"  # type: ignore[misc]


def test_tilde_is_expanded_in_local_paths_only(home: Path) -> None:
    inv = parse_inventory(MINIMAL + "kubeconfig: ~/kc\nssh:\n  identity_files: [~/.ssh/k]\n")

    assert inv.kubeconfig == os.path.join(home, "kc")
    assert inv.ssh.identity_files == (os.path.join(home, ".ssh/k"),)
    # On a master "~" would be the remote user's home: remote paths must be absolute.
    assert error_of(MINIMAL + "etcd:\n  cert: ~/client.crt\n") == (
        "inv.yaml:8: etcd.cert: expected an absolute path on the master, got '~/client.crt'"
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("bastion", JumpHost(user=None, host="bastion", port=None)),
        ("ops@bastion.example.com", JumpHost(user="ops", host="bastion.example.com", port=None)),
        ("10.0.0.9:2200", JumpHost(user=None, host="10.0.0.9", port=2200)),
        ("ops@[2001:db8::1]:2200", JumpHost(user="ops", host="2001:db8::1", port=2200)),
    ],
)
def test_jump_host_forms(spec: str, expected: JumpHost) -> None:
    inv = parse_inventory(MINIMAL + f"ssh:\n  jump_host: '{spec}'\n")

    assert inv.ssh.jump_host == expected
    assert str(inv.ssh.jump_host) == spec


def test_yaml_merge_keys_work_and_written_keys_win() -> None:
    text = """\
cluster: c
masters:
  - &first {name: m1, host: 10.0.0.1, user: ops, port: 2200}
  - <<: *first
    name: m2
    host: 10.0.0.2
    port: 22
vip: {address: 10.0.0.100}
"""
    inv = parse_inventory(text)

    assert inv.masters[1] == Master(name="m2", host="10.0.0.2", ssh_user="ops", ssh_port=22)


# Services


def test_services_command_renders_the_template() -> None:
    inv = parse_inventory(MINIMAL + "services:\n  units:\n    keepalived: keepalived@vip.service\n")

    assert inv.services.command("keepalived", "stop") == "systemctl stop keepalived@vip.service"
    assert inv.services.command("apiserver", "status") == "systemctl status kube-apiserver"


def test_services_command_shell_quotes_the_unit() -> None:
    # The loader refuses such a unit; a hand-built Services must still never paste it raw.
    services = Services(
        command_template="svc {unit} {action}", units=ServiceUnits(keepalived="x; rm -rf /")
    )

    assert services.command("keepalived", "start") == "svc 'x; rm -rf /' start"
    assert shlex.split(services.command("keepalived", "start")) == ["svc", "x; rm -rf /", "start"]


def test_services_command_refuses_unknown_action_and_service() -> None:
    services = parse_inventory(MINIMAL).services

    with pytest.raises(ValueError, match="unknown action 'restart'"):
        services.command("keepalived", "restart")
    with pytest.raises(ValueError, match="unknown service 'docker'"):
        services.command("docker", "stop")


def test_shell_quote_is_shlex_quote() -> None:
    assert shell_quote("a b'c") == shlex.quote("a b'c") == "'a b'\"'\"'c'"
    assert shell_quote("/run/haproxy/admin.sock") == "/run/haproxy/admin.sock"


# Errors: each names file:line: field and what was expected.


@pytest.mark.parametrize(
    ("appended", "expected"),
    [
        pytest.param(
            "ssh:\n  user: root\n  idenity_files: [a]\n",
            "inv.yaml:9: ssh.idenity_files: unknown key (did you mean 'identity_files'?)",
            id="unknown-key-suggests",
        ),
        pytest.param(
            "load_balancr:\n  kind: nginx\n",
            "inv.yaml:7: load_balancr: unknown key (did you mean 'load_balancer'?)",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "apiserver_checks:\n  zzz: 1\n",
            "inv.yaml:8: apiserver_checks.zzz: unknown key (expected one of: "
            "insecure_skip_tls_verify)",
            id="unknown-key-lists-choices",
        ),
        pytest.param(
            "services:\n  units:\n    keepalive: k\n",
            "inv.yaml:9: services.units.keepalive: unknown key (did you mean 'keepalived'?)",
            id="unknown-service",
        ),
        pytest.param(
            "ssh:\n  user: a\n  user: b\n",
            "inv.yaml:9: ssh.user: duplicate key (first at line 8)",
            id="duplicate-key",
        ),
        pytest.param(
            "ssh:\n  port: '22'\n",
            "inv.yaml:8: ssh.port: expected an integer from 1 to 65535, got a string ('22')",
            id="wrong-type-string-for-int",
        ),
        pytest.param(
            "ssh:\n  port: yes\n",
            "inv.yaml:8: ssh.port: expected an integer from 1 to 65535, got a boolean (true)",
            id="wrong-type-bool-for-int",
        ),
        pytest.param(
            "ssh:\n  port: 70000\n",
            "inv.yaml:8: ssh.port: expected an integer from 1 to 65535, got 70000",
            id="port-out-of-range",
        ),
        pytest.param(
            "ssh:\n  agent: 1\n",
            "inv.yaml:8: ssh.agent: expected true or false, got an integer (1)",
            id="wrong-type-int-for-bool",
        ),
        pytest.param(
            "ssh:\n  connect_timeout: 0\n",
            "inv.yaml:8: ssh.connect_timeout: expected a number of seconds greater than 0, got 0",
            id="timeout-not-positive",
        ),
        pytest.param(
            "ssh:\n  identity_files: ~/.ssh/id\n",
            "inv.yaml:8: ssh.identity_files: expected a list of local file paths, "
            "got a string ('~/.ssh/id')",
            id="wrong-type-string-for-list",
        ),
        pytest.param(
            "etcd: [a]\n",
            "inv.yaml:7: etcd: expected a mapping, got a list",
            id="wrong-type-list-for-section",
        ),
        pytest.param(
            "ssh:\n  jump_host: 'ops@bad host'\n",
            "inv.yaml:8: ssh.jump_host: expected [user@]host[:port], got 'ops@bad host'",
            id="jump-host-bad-host",
        ),
        pytest.param(
            "ssh:\n  jump_host: 'bastion:99999'\n",
            "inv.yaml:8: ssh.jump_host: expected [user@]host[:port], got 'bastion:99999'",
            id="jump-host-bad-port",
        ),
        pytest.param(
            "etcd:\n  ca_cert: etc/kubernetes/pki/etcd/ca.crt\n",
            "inv.yaml:8: etcd.ca_cert: expected an absolute path on the master, "
            "got 'etc/kubernetes/pki/etcd/ca.crt'",
            id="relative-remote-path",
        ),
        pytest.param(
            "load_balancer:\n  haproxy_socket: /run/haproxy/admin.sock;reboot\n",
            "inv.yaml:8: load_balancer.haproxy_socket: expected a path of letters, digits and "
            "_ . / @ : + - only (no spaces or shell metacharacters), "
            "got '/run/haproxy/admin.sock;reboot' which contains ';'",
            id="remote-path-metacharacter",
        ),
        pytest.param(
            "keepalived:\n  config: /etc/keepalived/$(id).conf\n",
            "inv.yaml:8: keepalived.config: expected a path of letters, digits and "
            "_ . / @ : + - only (no spaces or shell metacharacters), "
            "got '/etc/keepalived/$(id).conf' which contains '$'",
            id="remote-path-command-substitution",
        ),
        pytest.param(
            "keepalived:\n  log: journald\n",
            "inv.yaml:8: keepalived.log: expected 'journal' or an absolute path on the master, "
            "got 'journald'",
            id="keepalived-log",
        ),
        pytest.param(
            "etcd:\n  endpoint: 127.0.0.1:2379\n",
            "inv.yaml:8: etcd.endpoint: expected a URL like https://127.0.0.1:2379, "
            "got '127.0.0.1:2379'",
            id="etcd-url",
        ),
        pytest.param(
            "etcd:\n  method: etcdctll\n",
            "inv.yaml:8: etcd.method: expected one of auto, etcdctl, crictl, curl, "
            "got 'etcdctll' (did you mean 'etcdctl'?)",
            id="etcd-method",
        ),
        pytest.param(
            "apiserver:\n  endpoint: 10.0.0.100\n",
            "inv.yaml:8: apiserver.endpoint: expected host:port, got '10.0.0.100' "
            "(the port is missing)",
            id="endpoint-without-port",
        ),
        pytest.param(
            "services:\n  command: systemctl {action} keepalived\n",
            "inv.yaml:8: services.command: expected a command template containing {action} "
            "and {unit}, got 'systemctl {action} keepalived'",
            id="command-without-unit",
        ),
        pytest.param(
            "services:\n  command: 'ssh {host} systemctl {action} {unit}'\n",
            "inv.yaml:8: services.command: expected a command template containing {action} "
            "and {unit}, got 'ssh {host} systemctl {action} {unit}', which has another "
            "placeholder {host} (write {{ and }} for literal braces)",
            id="command-other-placeholder",
        ),
        pytest.param(
            "services:\n  units:\n    keepalived: keep alived\n",
            "inv.yaml:9: services.units.keepalived: expected a unit name of letters, digits, "
            "'@', '.', '_' or '-', got 'keep alived'",
            id="unit-with-space",
        ),
        pytest.param(
            "services:\n  units:\n    haproxy: --force\n",
            "inv.yaml:9: services.units.haproxy: expected a unit name of letters, digits, "
            "'@', '.', '_' or '-', got '--force'",
            id="unit-looks-like-option",
        ),
        pytest.param(
            "load_balancer:\n  hosts:\n    - m1\n    - m2\n",
            "inv.yaml:10: load_balancer.hosts[1]: expected the name of a master, got 'm2' "
            "(masters are: m1)",
            id="unknown-lb-host",
        ),
        pytest.param(
            "load_balancer:\n  kind: none\n  hosts: [m1]\n",
            "inv.yaml:9: load_balancer.hosts: kind is 'none', so no master runs a load balancer",
            id="lb-hosts-without-lb",
        ),
        pytest.param(
            "kubeconfig: !!python/name:os.system\n",
            "inv.yaml:7: kubeconfig: cannot read this value: could not determine a constructor "
            "for the tag 'tag:yaml.org,2002:python/name:os.system'",
            id="unsafe-scalar-tag-refused",
        ),
        pytest.param(
            "ssh:\n  identity_files: !!python/object/apply:os.system ['touch /tmp/x']\n",
            "inv.yaml:8: ssh.identity_files: expected a list of local file paths, got a list "
            "tagged 'tag:yaml.org,2002:python/object/apply:os.system'",
            id="unsafe-list-tag-refused",
        ),
        pytest.param(
            "etcd: !!python/object:os.Foo {method: auto}\n",
            "inv.yaml:7: etcd: expected a mapping, got a mapping tagged "
            "'tag:yaml.org,2002:python/object:os.Foo'",
            id="unsafe-mapping-tag-refused",
        ),
        pytest.param(
            "ssh:\n  user: root\n   port: 22\n",
            "inv.yaml:9: YAML syntax error: mapping values are not allowed here",
            id="yaml-syntax-error",
        ),
        pytest.param(
            "ssh:\n\tuser: root\n",
            "inv.yaml:8: YAML syntax error: found character '\\t' that cannot start any token",
            id="yaml-tab",
        ),
    ],
)
def test_error_names_file_line_and_field(appended: str, expected: str) -> None:
    assert error_of(MINIMAL + appended) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: bad host\nvip:\n  address: 10.0.0.9\n",
            "inv.yaml:4: masters[0].host: expected an IP address or host name, got 'bad host'",
            id="bad-host",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: 192.168.6.2388\n"
            "vip:\n  address: 10.0.0.9\n",
            "inv.yaml:4: masters[0].host: expected an IP address or host name, "
            "got '192.168.6.2388'",
            id="mistyped-ipv4-is-not-a-host-name",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: h1\nvip:\n  address: vip.example\n",
            "inv.yaml:6: vip.address: expected an IP address, got 'vip.example'",
            id="vip-not-an-ip",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: h1\n  - name: m2\n"
            "vip:\n  address: 10.0.0.9\n",
            "inv.yaml:5: masters[1].host: required key is missing",
            id="missing-key-names-the-mapping-line",
        ),
        pytest.param(
            "# header\n\ncluster: c\nmasters:\n  - name: m1\n    host: h1\n",
            "inv.yaml:3: vip: required key is missing",
            id="missing-top-level-key",
        ),
        pytest.param(
            "cluster: c\nmasters: []\nvip:\n  address: 10.0.0.9\n",
            "inv.yaml:2: masters: expected at least one master, got an empty list",
            id="no-masters",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: h1\n  - name: m1\n    host: h2\n"
            "vip:\n  address: 10.0.0.9\n",
            "inv.yaml:5: masters[1].name: duplicate master name 'm1' (first at line 3)",
            id="duplicate-master-name",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: h1\n  - name: m2\n    host: H1\n"
            "vip:\n  address: 10.0.0.9\n",
            "inv.yaml:6: masters[1].host: duplicate master host 'h1' (first at line 4)",
            id="duplicate-master-host",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: 01\n    host: h1\nvip:\n  address: 10.0.0.9\n",
            "inv.yaml:3: masters[0].name: expected a string, got an integer (1); "
            "quote it ('01') if you meant the text",
            id="number-where-a-name-belongs",
        ),
        pytest.param(
            "cluster: c\nmasters:\n  - name: m1\n    host: h1\nvip:\n",
            "inv.yaml:5: vip: expected a mapping, got null",
            id="required-section-null",
        ),
        pytest.param(
            "cluster: c\nmasters: [\n",
            "inv.yaml:3: YAML syntax error: expected the node content, but found '<stream end>' "
            "(while parsing a flow node at line 3)",
            id="yaml-unclosed-flow",
        ),
        pytest.param(
            "",
            "inv.yaml:1: the inventory is empty; expected at least cluster, masters and vip",
            id="empty",
        ),
        pytest.param("- a\n", "inv.yaml:1: expected a mapping, got a list", id="not-a-mapping"),
    ],
)
def test_error_in_whole_file(text: str, expected: str) -> None:
    assert error_of(text) == expected


def test_error_names_the_source_as_given() -> None:
    text = (
        "cluster: c\nmasters:\n  - name: m1\n    host: 10.0.0.1\n  - name: m2\n"
        "    host: bad host\nvip:\n  address: 10.0.0.9\n"
    )

    assert error_of(text, source="sample.yaml") == (
        "sample.yaml:6: masters[1].host: expected an IP address or host name, got 'bad host'"
    )


def test_load_inventory_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL + "ssh:\n  idenity_files: []\n")

    assert load_inventory(good).source == str(good)
    with pytest.raises(InventoryError) as caught:
        load_inventory(str(bad))
    assert str(caught.value) == (
        f"{bad}:8: ssh.idenity_files: unknown key (did you mean 'identity_files'?)"
    )


def test_missing_file_is_an_inventory_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    with pytest.raises(InventoryError) as caught:
        load_inventory(missing)
    assert str(caught.value) == f"{missing}: cannot read the inventory: No such file or directory"
    assert caught.value.title == "Inventory error"


def test_recursive_merge_is_an_error_not_a_hang() -> None:
    assert error_of(MINIMAL + "ssh: &s\n  <<: *s\n") == (
        "inv.yaml:8: ssh.<<: a mapping cannot merge itself"
    )
