"""A CNI config (the JSON in a NAD's spec.config) → Network fields, each with its place inside the JSON.

Span keys are the model's field names (`vlan`, `bridge`, `mtu`, `subnets`, ...) so `network.at("vlan")`
points at `350` in `"vlan": 350`; every top-level key of the config (and of the main plugin of a
`plugins` list) also gets `config.<key>` → the key's place, for rules about unknown keys.
"""

from __future__ import annotations

from kvnet.manifests import addresses
from kvnet.manifests.fields import Collected, Obj
from kvnet.manifests.ipam import read_ipam
from kvnet.model import NetworkType, VlanRange

_BRIDGE_TYPES = {"bridge", "cnv-bridge"}
_OVN_TOPOLOGIES: dict[str, NetworkType] = {"layer2": "ovn-layer2", "localnet": "ovn-localnet"}
_SIMPLE_TYPES: dict[str, NetworkType] = {"sriov": "sriov", "macvlan": "macvlan"}


def network_type(cni_type: str, topology: str) -> NetworkType:
    if cni_type in _BRIDGE_TYPES:
        return "linux-bridge"
    if cni_type == "ovn-k8s-cni-overlay":
        return _OVN_TOPOLOGIES.get(topology, "other")
    return _SIMPLE_TYPES.get(cni_type, "other")


def on_off(obj: Obj, key: str) -> bool | None:
    """SR-IOV's "on"/"off" switches (spoofchk, trust)."""
    text = obj.text(key)
    if text is None:
        return None
    if text.lower() in ("on", "off"):
        return text.lower() == "on"
    obj.problems.add(f'{obj.sub(key)} must be "on" or "off", not {text!r}', obj.at(key))
    return None


def _main_plugin(config: Obj, out: Collected) -> Obj:
    """The plugin that makes the attachment: the config itself, or the first entry of `plugins`."""
    if not config.has("plugins"):
        return config
    plugins = config.maps("plugins")
    untyped = next((plugin for plugin in plugins if not plugin.has("type")), None)
    if untyped is not None:
        out.set("config_error", f'{untyped.path} has no "type"', untyped.span)
    return plugins[0] if plugins else config


def read_cni_config(config: Obj, out: Collected) -> None:
    """Fill `out` from a parsed CNI config (a single plugin, or a list under `plugins`)."""
    keys = list(config.data)
    for key in config.data:
        out.spans[f"config.{key}"] = config.key_at(key)
    main = _main_plugin(config, out)
    if main is not config:
        for key in main.data:
            out.spans.setdefault(f"config.{key}", main.key_at(key))
            if key not in keys:
                keys.append(key)
    out.values["raw_config_keys"] = tuple(keys)
    out.set("config_name", config.text("name"), config.at("name"))
    cni_type = main.text("type") or ""
    topology = main.text("topology") or ""
    out.set("cni_type", cni_type, main.at("type"))
    out.set("type", network_type(cni_type, topology), main.at("type"))
    out.set("mtu", main.integer("mtu"), main.at("mtu"))
    if cni_type in _BRIDGE_TYPES:
        _bridge(main, out)
    elif cni_type == "ovn-k8s-cni-overlay":
        _ovn(config, main, out)
    elif cni_type == "sriov":
        out.set("vlan", main.integer("vlan"), main.at("vlan"))
        out.set("spoof_check", on_off(main, "spoofchk"), main.at("spoofchk"))
        out.set("trust", on_off(main, "trust"), main.at("trust"))
    ipam = main.mapping("ipam")
    if ipam is not None:
        read_ipam(ipam, out)


def _bridge(main: Obj, out: Collected) -> None:
    out.set("bridge", main.text("bridge"), main.at("bridge"))
    out.set("vlan", main.integer("vlan"), main.at("vlan"))
    out.set("preserve_default_vlan", main.flag("preserveDefaultVlan"), main.at("preserveDefaultVlan"))
    out.set("macspoofchk", main.flag("macspoofchk"), main.at("macspoofchk"))
    for entry in main.maps("vlanTrunk"):
        single = entry.integer("id")
        low, high = entry.integer("minID"), entry.integer("maxID")
        if single is not None:
            out.append("vlan_trunk", VlanRange(entry.span, low=single, high=single, spans={"low": entry.at("id")}),
                       entry.span)
        elif low is not None or high is not None:
            # one bound alone is an error the bridge CNI reports; keep it visible as a one-id range
            low_id = low if low is not None else high
            high_id = high if high is not None else low
            out.append("vlan_trunk", VlanRange(entry.span, low=low_id or 0, high=high_id or 0,
                                               spans={"low": entry.at("minID"), "high": entry.at("maxID")}),
                       entry.span)


def _ovn(config: Obj, main: Obj, out: Collected) -> None:
    name = config.text("name")
    out.set("ovn_network_name", name, config.at("name"))
    out.set("topology", main.text("topology"), main.at("topology"))
    out.set("net_attach_def_name", main.text("netAttachDefName"), main.at("netAttachDefName"))
    out.set("vlan", main.integer("vlanID"), main.at("vlanID"))
    role = main.text("role")
    out.set("role", role.lower() if role else None, main.at("role"))
    physical = main.text("physicalNetworkName")
    if physical is not None:
        out.set("physical_network", physical, main.at("physicalNetworkName"))
    elif (main.text("topology") or "") == "localnet" and name:
        out.set("physical_network", name, config.at("name"))  # OVN-K's default: the network name
    subnets = main.text("subnets")
    if subnets is not None:
        for entry in addresses.comma_list(subnets):
            # layer3 writes "10.128.0.0/16/24" (cluster subnet / per-node prefix)
            cidr = entry.rsplit("/", 1)[0] if entry.count("/") == 2 else entry
            net = addresses.network(cidr)
            if net is None:
                main.problems.add(f"{main.sub('subnets')}: {entry!r} is not a subnet", main.at("subnets"))
                continue
            out.append("subnets", net, main.at("subnets"))
        if "subnets" in out.values:
            out.set("ipam", "ovn", main.at("subnets"))
    excluded = main.text("excludeSubnets")
    if excluded is not None:
        for entry in addresses.comma_list(excluded):
            out.append("exclude_raw", entry, main.at("excludeSubnets"))
            net = addresses.network(entry) if "/" in entry else None
            if net is not None:
                out.append("exclude_subnets", net, main.at("excludeSubnets"))
