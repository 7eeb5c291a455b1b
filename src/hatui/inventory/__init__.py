"""The inventory: which cluster hatui watches, its masters and how to reach them.

`load_inventory(path)` reads and checks a YAML file (schema and defaults documented field by
field in sample-inventory.yaml) into a frozen `Inventory`; every mistake is an InventoryError
naming file, line and field. Values that reach remote commands are validated here and
shell-quoted where they are used (`shell_quote`, `Services.command`).
"""

from hatui.inventory.loader import load_inventory, parse_inventory
from hatui.inventory.schema import (
    ACTIONS,
    SERVICE_NAMES,
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
    shell_quote,
)

__all__ = [
    "ACTIONS",
    "SERVICE_NAMES",
    "ApiServer",
    "ApiServerChecks",
    "Etcd",
    "EtcdMethod",
    "Inventory",
    "JumpHost",
    "Keepalived",
    "LbKind",
    "LoadBalancer",
    "Master",
    "Services",
    "ServiceUnits",
    "SshSettings",
    "Vip",
    "load_inventory",
    "parse_inventory",
    "shell_quote",
]
