"""The lock file: the MACs and IPs kvnet pinned for a site's VMs, committed beside the site as kvnet.lock.yaml.

KubeMacPool and whereabouts allocate at run time, so Git never knows a VM's MAC or IP and a rebuilt cluster
hands out new ones; cloud-init matches interfaces by MAC. `kvnet lock` allocates in Git instead
(kvnet.allocate) and writes this file; `kvnet compile` and `kvnet generate` only read it, and `kvnet check`
compares it with the site (kvnet.rules.lock). One entry per VM interface, keyed `namespace/vm/interface`.
Values that leave the lock (a VM was removed, the site now writes another value) are kept under `released`
so they are not handed out again while a cluster may still use them.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.frozen import frozen
from kvnet.load import YList, YMap
from kvnet.model import IPInterface, mac_to_int, normalize_mac
from kvnet.span import Span

LOCK_NAME = "kvnet.lock.yaml"
LOCK_VERSION = 1

Key = tuple[str, str, str]  # (namespace, vm, interface): the key of the compiler's allocation seam


def key_text(key: Key) -> str:
    return "/".join(key)


def lock_path_for(site_path: str | Path) -> Path:
    """The lock file of a site file: kvnet.lock.yaml in the same folder."""
    return Path(site_path).parent / LOCK_NAME


@frozen
class LockEntry:
    """The pinned addresses of one VM interface. `ips` holds one address per static subnet of the network."""

    network: str
    mac: str | None = None
    ips: tuple[IPInterface, ...] = ()
    span: Span | None = field(default=None, compare=False)  # where the entry is in the lock file
    spans: Mapping[str, Span] = field(default_factory=dict, compare=False)  # mac / ip: places of the values

    def at(self, name: str) -> Span | None:
        return self.spans.get(name, self.span)


@frozen(order=True)
class Released:
    """Addresses an interface no longer holds. Not handed out again unless `kvnet lock --reuse-released`."""

    key: str  # the `namespace/vm/interface` that held them
    network: str
    mac: str | None = None
    ips: tuple[IPInterface, ...] = ()


@frozen
class Lock:
    site: str = ""
    entries: Mapping[Key, LockEntry] = field(default_factory=dict)
    released: tuple[Released, ...] = ()
    pod_network: bool = False  # pin MACs on pod-network interfaces too (`kvnet lock --pod-network`)
    path: str = ""  # the name findings use for the lock file ("" for a lock not read from a file)


# ---------------------------------------------------------------------------------------------- writing

HEADER = """\
# kvnet.lock.yaml: the MAC and IP addresses kvnet pinned for the VMs of site {site}.
# Written by `kvnet lock`; commit it beside the site file. Entries never move once written: change the
# site (values written there win), run `kvnet lock` again, and `kvnet check` reports a lock that disagrees.
"""

_PLAIN_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*|[0-9][0-9.]*/[0-9]+")  # names, keys, IPv4 CIDRs


def _scalar(text: str) -> str:
    """Plain when every YAML reader reads the text back unchanged; double-quoted (JSON escapes) otherwise."""
    if _PLAIN_SAFE.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


def _address_lines(mac: str | None, ips: tuple[IPInterface, ...], indent: str) -> list[str]:
    lines = []
    if mac is not None:
        lines.append(f"{indent}mac: {json.dumps(mac)}")  # always quoted: YAML 1.1 readers misread some MACs
    if len(ips) == 1:
        lines.append(f"{indent}ip: {_scalar(ips[0].with_prefixlen)}")
    elif ips:
        lines.append(f"{indent}ips: [{', '.join(_scalar(ip.with_prefixlen) for ip in ips)}]")
    return lines


def render_lock(lock: Lock) -> str:
    """The lock as text: header comment, then entries sorted by key; the same lock gives the same bytes."""
    lines = [HEADER.format(site=lock.site or "(unnamed)").rstrip("\n"), f"version: {LOCK_VERSION}"]
    lines.append(f"site: {_scalar(lock.site)}")
    if lock.pod_network:
        lines.append("podNetwork: true")
    if lock.entries:
        lines.append("interfaces:")
        for key in sorted(lock.entries):
            entry = lock.entries[key]
            lines.append(f"  {_scalar(key_text(key))}:")
            lines.append(f"    network: {_scalar(entry.network)}")
            lines.extend(_address_lines(entry.mac, entry.ips, "    "))
    else:
        lines.append("interfaces: {}")
    if lock.released:
        lines.append("released:")
        for item in sorted(set(lock.released)):
            lines.append(f"  - key: {_scalar(item.key)}")
            lines.append(f"    network: {_scalar(item.network)}")
            lines.extend(_address_lines(item.mac, item.ips, "    "))
    else:
        lines.append("released: []")
    return "\n".join(lines) + "\n"


def write_lock(lock: Lock, path: Path) -> bool:
    """Write the lock atomically; returns False (and leaves the file alone) when it is already up to date."""
    text = render_lock(lock)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    fd, tmp = tempfile.mkstemp(prefix=".kvnet.lock.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# ---------------------------------------------------------------------------------------------- reading


class _Reader:
    """Checks the lock's shape while reading it, collecting every problem (a hand-edited lock is input)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[InputProblem] = []

    def problem(self, message: str, span: Span | None, hint: str = "") -> None:
        self.problems.append(InputProblem(f"lock file: {message}", span, hint or f"run `kvnet lock` to rewrite "
                                                                                 f"{LOCK_NAME}"))

    def mac(self, value: Any, span: Span | None) -> str | None:
        if not isinstance(value, str) or mac_to_int(value) is None:
            self.problem(f"{value!r} is not a MAC address", span)
            return None
        return normalize_mac(value)

    def ips(self, data: YMap, name: str) -> tuple[IPInterface, ...]:
        values = [data[name]] if name == "ip" else data[name]
        if not isinstance(values, list):  # YList for `ips`
            self.problem("`ips` must be a list of addresses with prefix", data.value_span(name))
            return ()
        found: list[IPInterface] = []
        for i, value in enumerate(values):
            span = values.item_span(i) if isinstance(values, YList) else data.value_span(name)
            try:
                if not isinstance(value, str) or "/" not in value:
                    raise ValueError
                found.append(ipaddress.ip_interface(value))
            except ValueError:
                self.problem(f"{value!r} is not an address with prefix such as 10.0.0.5/24", span)
        return tuple(found)

    def addresses(self, data: YMap, allowed: set[str]) -> tuple[str, str | None, tuple[IPInterface, ...]]:
        for extra in sorted(set(data) - allowed):
            self.problem(f"unknown field {extra!r}", data.key_span(extra))
        network = data.get("network")
        if not isinstance(network, str) or not network:
            self.problem("each entry needs a `network` name", data.span)
            network = ""
        mac = self.mac(data["mac"], data.value_span("mac")) if "mac" in data else None
        ips = self.ips(data, "ip") if "ip" in data else self.ips(data, "ips") if "ips" in data else ()
        return network, mac, ips

    def entry(self, key_value: Any, data: Any, key_span: Span) -> tuple[Key, LockEntry] | None:
        parts = key_value.split("/") if isinstance(key_value, str) else []
        if len(parts) != 3 or not all(parts):
            self.problem(f"entry key {key_value!r} is not namespace/vm/interface", key_span)
            return None
        if not isinstance(data, YMap):
            self.problem(f"entry {key_value} must be a mapping with network, mac and ip", key_span)
            return None
        network, mac, ips = self.addresses(data, {"network", "mac", "ip", "ips"})
        spans = {name: data.value_span(name) for name in ("mac", "ip", "ips") if name in data}
        if "ips" in spans:
            spans["ip"] = spans["ips"]
        return (parts[0], parts[1], parts[2]), LockEntry(network, mac, ips, key_span, spans)


def read_lock(path: str | Path, display: str | None = None) -> Lock:
    """Read and check a lock file; KvnetInputError (with places) when it is not one kvnet can use."""
    from kvnet.confine import require_inside_repository
    from kvnet.load import load_file

    name = display or Path(path).as_posix()
    require_inside_repository(Path(path), name, "lock file")
    source = load_file(path, display=name)
    reader = _Reader(name)
    if len(source.documents) != 1 or not isinstance(source.documents[0].data, YMap):
        raise KvnetInputError([InputProblem(f"lock file: {name} must hold one mapping (written by `kvnet lock`)",
                                            source.documents[0].span if source.documents else None)])
    data = source.documents[0].data
    for extra in sorted(set(data) - {"version", "site", "podNetwork", "interfaces", "released"}):
        reader.problem(f"unknown field {extra!r}", data.key_span(extra))
    if data.get("version") != LOCK_VERSION:
        reader.problem(f"version {data.get('version')!r} is not {LOCK_VERSION}", data.value_span("version")
                       if "version" in data else data.span, "this kvnet reads lock files of version 1")
    entries: dict[Key, LockEntry] = {}
    interfaces = data.get("interfaces")
    interfaces = YMap(data.span) if interfaces is None else interfaces
    if not isinstance(interfaces, YMap):
        reader.problem("`interfaces` must be a mapping", data.value_span("interfaces"))
        interfaces = YMap(data.span)
    for key_value, entry_data in interfaces.items():
        read = reader.entry(key_value, entry_data, interfaces.key_span(key_value))
        if read is not None:
            entries[read[0]] = read[1]
    released: list[Released] = []
    items = data.get("released")
    items = YList(data.span) if items is None else items
    if not isinstance(items, YList):
        reader.problem("`released` must be a list", data.value_span("released"))
        items = YList(data.span)
    for i, item in enumerate(items):
        if not isinstance(item, YMap) or not isinstance(item.get("key"), str):
            reader.problem("each released item needs a `key`", items.item_span(i))
            continue
        network, mac, ips = reader.addresses(item, {"key", "network", "mac", "ip", "ips"})
        released.append(Released(item["key"], network, mac, ips))
    if reader.problems:
        raise KvnetInputError(reader.problems)
    site = data.get("site")
    return Lock(site if isinstance(site, str) else "", entries, tuple(sorted(set(released))),
                data.get("podNetwork") is True, name)


def read_lock_if_present(site_path: str | Path, display: str | None = None) -> Lock | None:
    path = lock_path_for(site_path)
    if not path.is_file():
        return None
    return read_lock(path, display or path.as_posix())


def allocations(lock: Lock) -> dict[Key, Any]:
    """The lock as the compiler's allocation seam: (namespace, vm, interface) → kvnet.emit.common.Addresses."""
    from kvnet.emit.common import Addresses

    return {key: Addresses(entry.mac, entry.ips) for key, entry in lock.entries.items()}
