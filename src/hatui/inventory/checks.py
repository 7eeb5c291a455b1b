"""Pure checks for the inventory's string values.

Each check takes the text as written and returns the value to keep, or raises ValueError with
a message of the form "expected ..., got ...". The loader turns that into an InventoryError
naming file, line and field; other layers may call the checks directly (they are pure).

Many of these values end up inside commands run on the masters over SSH, so the checks are
deliberately narrow: they admit what real clusters use and nothing a shell would interpret.
Commands still shell-quote every value (defence in depth), see `hatui.inventory.shell_quote`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import string
from urllib.parse import urlsplit

_MAX_SHOWN = 60

# A leading "-" is refused in every name below so that no value can read as a command option.
_MASTER_NAME = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]{0,62}")
_USER_NAME = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]{0,63}")
_UNIT_NAME = re.compile(r"[A-Za-z0-9@._][A-Za-z0-9@._-]{0,254}")
_INTERFACE = re.compile(r"[A-Za-z0-9._@][A-Za-z0-9._@-]{0,14}")
_VRRP_INSTANCE = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]{0,63}")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_REMOTE_PATH_CHAR = re.compile(r"[A-Za-z0-9_./@:+-]")
_URL_CHARS = re.compile(r"[A-Za-z0-9_./:\[\]-]+")


def shown(value: object) -> str:
    """`repr` of a value for a message, cut short so one bad line never floods the screen."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 4] + "...'"


def _match(pattern: re.Pattern[str], text: str, expected: str) -> str:
    if pattern.fullmatch(text) is None:
        raise ValueError(f"expected {expected}, got {shown(text)}")
    return text


def check_cluster(text: str) -> str:
    """The cluster's display name: one line of printable text, at most 100 characters."""
    if not text.strip() or len(text) > 100 or not text.isprintable():
        raise ValueError(f"expected a cluster name (one line, 1-100 characters), got {shown(text)}")
    return text


def check_master_name(text: str) -> str:
    """A master's name: 1-63 of `A-Z a-z 0-9 . _ -`, not starting with "-"."""
    return _match(_MASTER_NAME, text, "a name of 1-63 letters, digits, '.', '_' or '-'")


def check_user(text: str) -> str:
    """A remote login name (ssh.user, masters[].user, jump host user)."""
    return _match(_USER_NAME, text, "a user name of letters, digits, '.', '_' or '-'")


def check_unit(text: str) -> str:
    """A service unit name as given to the services command: `[A-Za-z0-9@._-]+`, no leading "-"."""
    return _match(_UNIT_NAME, text, "a unit name of letters, digits, '@', '.', '_' or '-'")


def check_interface(text: str) -> str:
    """A network interface name as Linux allows it (at most 15 characters)."""
    return _match(_INTERFACE, text, "an interface name of 1-15 letters, digits, '.', '_', '@', '-'")


def check_vrrp_instance(text: str) -> str:
    """A keepalived vrrp_instance name such as VI_1."""
    return _match(_VRRP_INSTANCE, text, "a vrrp_instance name of letters, digits, '.', '_' or '-'")


def is_ip(text: str) -> bool:
    """True if the text is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_ip(text: str) -> str:
    """An IPv4 or IPv6 address, returned in its canonical spelling."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"expected an IP address, got {shown(text)}") from None


def check_host(text: str) -> str:
    """An IP address (canonical spelling) or an RFC 1123 host name (kept as written).

    A name whose last label is all digits is refused: that is a mistyped IPv4 address
    (`192.168.6.2388`), never a real host name.
    """
    if is_ip(text):
        return str(ipaddress.ip_address(text))
    labels = text.split(".")
    if (
        len(text) <= 253
        and all(_HOST_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    ):
        return text
    raise ValueError(f"expected an IP address or host name, got {shown(text)}")


def check_port(value: int) -> int:
    """A TCP port, 1-65535."""
    if not 1 <= value <= 65535:
        raise ValueError(f"expected a port from 1 to 65535, got {value}")
    return value


def _split_host_port(text: str) -> tuple[str, str | None]:
    """Split "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6 address has no port."""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not is_ip(host) or (rest and not rest.startswith(":")):
            raise ValueError("an IPv6 address in brackets must look like [2001:db8::1]:6443")
        return host, rest[1:] if rest else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, port
    return text, None


def _parse_port(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"expected a port number, got {shown(text)}")
    return check_port(int(text))


def join_host_port(host: str, port: int) -> str:
    """ "host:port", with an IPv6 address in brackets as URLs and ssh need it."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_endpoint(text: str) -> tuple[str, int]:
    """A "host:port" endpoint ("[v6]:port" for IPv6), returned as (host, port)."""
    expected = f"expected host:port, got {shown(text)}"
    try:
        host, port = _split_host_port(text)
        if port is None:
            raise ValueError("the port is missing")
        return check_host(host), _parse_port(port)
    except ValueError as exc:
        raise ValueError(f"{expected} ({exc})") from None


def check_jump_host(text: str) -> tuple[str | None, str, int | None]:
    """A ProxyJump spec "[user@]host[:port]" as (user, host, port); None where not given.

    What is not given is left to ~/.ssh/config (when honoured) and the ssh defaults.
    """
    expected = f"expected [user@]host[:port], got {shown(text)}"
    user_text, at, rest = text.rpartition("@")
    try:
        user = check_user(user_text) if at else None
        host, port = _split_host_port(rest)
        return user, check_host(host), None if port is None else _parse_port(port)
    except ValueError:
        raise ValueError(expected) from None


def check_remote_path(text: str) -> str:
    """An absolute path on a master, kept as written, safe to place in a remote command.

    Only `A-Z a-z 0-9 _ . / @ : + -` are allowed: no spaces, quotes, `$`, `;`, globs.
    """
    if not text.startswith("/"):
        raise ValueError(f"expected an absolute path on the master, got {shown(text)}")
    bad = next((ch for ch in text if _REMOTE_PATH_CHAR.fullmatch(ch) is None), None)
    if bad is not None:
        raise ValueError(
            f"expected a path of letters, digits and _ . / @ : + - only (no spaces or shell "
            f"metacharacters), got {shown(text)} which contains {bad!r}"
        )
    return text


def check_local_path(text: str) -> str:
    """A path on this machine: "~" is expanded; relative paths stay relative to the cwd."""
    if not text or "\0" in text or "\n" in text:
        raise ValueError(f"expected a local file path, got {shown(text)}")
    return os.path.expanduser(text)


def check_etcd_url(text: str) -> str:
    """An etcd client URL as reached on each master: http(s)://host[:port], kept as written."""
    expected = f"expected a URL like https://127.0.0.1:2379, got {shown(text)}"
    if _URL_CHARS.fullmatch(text) is None:
        raise ValueError(expected)
    try:
        url = urlsplit(text)
        port = url.port  # raises ValueError when out of range or not a number
    except ValueError:
        raise ValueError(expected) from None
    if (
        url.scheme not in ("http", "https")
        or url.query
        or url.fragment
        or url.path not in ("", "/")
    ):
        raise ValueError(expected)
    if url.hostname is None or url.username is not None or port == 0:
        raise ValueError(expected)
    try:
        check_host(url.hostname)
    except ValueError:
        raise ValueError(expected) from None
    return text


def check_keepalived_log(text: str) -> str:
    """ "journal" (read with journalctl) or the absolute path of keepalived's log file."""
    if text == "journal":
        return text
    try:
        return check_remote_path(text)
    except ValueError as exc:
        raise ValueError(f"expected 'journal' or {exc.args[0].removeprefix('expected ')}") from None


def check_command_template(text: str) -> str:
    """A services command such as "systemctl {action} {unit}", with both placeholders.

    The template itself is trusted (the admin wrote it); only {action} and {unit} may be
    substituted, the unit shell-quoted, so no other field can reach the command line.
    """
    expected = f"expected a command template containing {{action}} and {{unit}}, got {shown(text)}"
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"{expected} ({exc})") from None
    seen: set[str] = set()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in ("action", "unit") or spec or conversion:
            raise ValueError(
                f"{expected}, which has another placeholder {{{name}}} "
                "(write {{ and }} for literal braces)"
            )
        seen.add(name)
    if seen != {"action", "unit"}:
        raise ValueError(expected)
    return text
