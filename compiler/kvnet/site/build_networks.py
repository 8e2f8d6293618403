"""Networks (with their defaults: namespaces, IPAM, dynamic ranges, resource names) and SR-IOV policies."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from kvnet.load import YList, YMap
from kvnet.model import AddressRange, Cluster, IPAddress, IPNetwork, Network, NetworkType, NodeGroup, SriovPolicy
from kvnet.site import defaults, values
from kvnet.site.build_nodes import vlan_ranges
from kvnet.site.context import Context, entry_span, field_spans, items, mapping

_TYPES: tuple[NetworkType, ...] = ("pod", "linux-bridge", "ovn-layer2", "ovn-localnet", "sriov")


def network_types(spec: YMap) -> dict[str, NetworkType]:
    """Network name → type, read before the VMs (their binding defaults depend on it)."""
    return {name: _type_of(body) for name, body in mapping(spec.get("networks")).items()}


def _type_of(body: Any) -> NetworkType:
    kind = mapping(body).get("type")
    return next((t for t in _TYPES if t == kind), "other")


def build_networks(ctx: Context, spec: YMap, cluster: Cluster, users: Mapping[str, set[str]]) -> tuple[Network, ...]:
    """`users`: network name → namespaces of the VMs that attach to it (the default `namespaces`)."""
    nets = mapping(spec.get("networks"))
    return tuple(_network(ctx, nets, name, cluster, users.get(name, set())) for name in nets)


def _network(ctx: Context, parent: YMap, name: str, cluster: Cluster, users: set[str]) -> Network:
    m = mapping(parent[name])
    kind = _type_of(m)
    what = f'network "{name}"'
    subnets = tuple(n for n in (ctx.cidr(m, "subnet", f"subnet of {what}"),) if n is not None)
    subnets += ctx.cidrs(m, "subnets", f"subnet of {what}")
    gateway = ctx.ip(m, "gateway", f"gateway of {what}")
    ipam = m.get("ipam") or defaults.default_ipam(kind, bool(subnets))
    purpose = str(m.get("purpose", ""))
    namespaces = tuple(str(n) for n in items(m.get("namespaces")))
    if "namespaces" not in m:  # derived: where the NADs must exist
        namespaces = (cluster.cnv_namespace,) if purpose == "live-migration" else tuple(sorted(users))
    ranges = _ranges(ctx, m, what)
    exclude_raw = tuple(str(x) for x in items(m.get("excludeSubnets")))
    excluded = [n for n in (_quiet_cidr(x) for x in exclude_raw) if n is not None]
    if not ranges and ipam in ("whereabouts", "host-local", "ovn"):
        ranges, extra = _default_ranges(subnets, gateway, m)
        excluded += extra
    vf_range = None
    if isinstance(m.get("vfRange"), int | str) and not isinstance(m.get("vfRange"), bool):
        vf_range = ctx.parse(values.parse_vf_range, m["vfRange"], m.value_span("vfRange"), f"vfRange of {what}")
    return Network(
        entry_span(parent, name),
        name=name,
        type=kind,
        namespaces=namespaces,
        bridge=str(m["bridge"]) if m.get("bridge") else None,
        cni_type=defaults.CNI_TYPES.get(kind, ""),
        vlan=_int(m.get("vlan")),
        vlan_trunk=vlan_ranges(ctx, m, "vlanTrunk", f"vlanTrunk of {what}"),
        preserve_default_vlan=False if kind == "linux-bridge" else None,  # kvnet always writes false
        macspoofchk=_bool(m.get("macspoofchk")),
        subnets=subnets,
        gateway=gateway,
        ipam=ipam,
        dynamic_ranges=ranges,
        exclude_subnets=tuple(excluded),
        exclude_raw=exclude_raw,
        mtu=_int(m.get("mtu")),
        topology=defaults.TOPOLOGIES.get(kind, ""),
        ovn_network_name=name if kind in defaults.TOPOLOGIES else "",
        physical_network=str(m.get("physicalNetwork") or name) if kind == "ovn-localnet" else "",
        pf=str(m["pf"]) if m.get("pf") else None,
        num_vfs=_int(m.get("numVfs")),
        vf_range=vf_range,
        dpdk=m.get("dpdk") is True,
        resource_name=str(m.get("resourceName") or defaults.default_resource_name(name)) if kind == "sriov" else "",
        trust=_bool(m.get("trust")),
        spoof_check=_bool(m.get("spoofCheck")),
        purpose=purpose,
        spans=field_spans(m, {"subnet": "subnets", "ranges": "dynamic_ranges", "vlanTrunk": "vlan_trunk",
                              "excludeSubnets": "exclude_raw"}),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _quiet_cidr(text: str) -> IPNetwork | None:
    """excludeSubnets entries that are real CIDRs; the rest stay in exclude_raw for the rules to flag."""
    if "/" not in text:
        return None
    try:
        return values.parse_cidr(text)
    except ValueError:
        return None


def _ranges(ctx: Context, m: YMap, what: str) -> tuple[AddressRange, ...]:
    seq = m.get("ranges")
    if not isinstance(seq, YList):
        return ()
    out = []
    for i, item in enumerate(seq):
        span = seq.item_span(i)
        parsed = ctx.parse(values.parse_ip_range, item if isinstance(item, str) else None, span, f"range of {what}")
        if parsed is not None:
            out.append(AddressRange(span, start=parsed[0], end=parsed[1]))
    return tuple(out)


def _default_ranges(
    subnets: tuple[IPNetwork, ...], gateway: IPAddress | None, m: YMap
) -> tuple[tuple[AddressRange, ...], list[IPNetwork]]:
    """The whole subnet without network, broadcast and gateway (the gateway is excluded when inside)."""
    ranges: list[AddressRange] = []
    excluded: list[IPNetwork] = []
    span = m.value_span("subnets") if "subnets" in m else m.value_span("subnet")
    for net in subnets:
        if net.num_addresses < 4:
            continue
        first, last = net.network_address + 1, net.broadcast_address - (1 if net.version == 4 else 0)
        if gateway is not None and gateway.version == net.version and gateway in net:
            if gateway == first:
                first += 1
            elif gateway == last:
                last -= 1
            else:
                excluded.append(ipaddress.ip_network(f"{gateway}/{net.max_prefixlen}"))
        ranges.append(AddressRange(span, start=first, end=last))
    return tuple(ranges), excluded


def build_sriov_policies(
    networks: tuple[Network, ...], groups: tuple[NodeGroup, ...], used: set[str], namespace: str
) -> tuple[SriovPolicy, ...]:
    """One SriovNetworkNodePolicy per SR-IOV network and node group that has its PF.

    VMs need vfio-pci VFs, so a network used by VMs (or marked dpdk) gets vfio-pci. All policies on one PF
    ask for the same number of VFs (the operator configures the PF once): the largest any of them needs.
    """
    del namespace  # policies live in the SR-IOV operator namespace; the emitter places them
    sriov = [n for n in networks if n.type == "sriov" and n.pf]
    needed: dict[tuple[str, str], int] = {}
    for net in sriov:
        for group in groups:
            nic = group.nic(net.pf or "")
            if nic is None:
                continue
            need = (net.vf_range[1] + 1) if net.vf_range else (net.num_vfs or 0)
            key = (group.name, nic.name)
            needed[key] = max(needed.get(key, 0), need)
    policies = []
    for net in sriov:
        for group in groups:
            nic = group.nic(net.pf or "")
            if nic is None:
                continue
            total = needed[(group.name, nic.name)] or (nic.sriov.total_vfs if nic.sriov else 0)
            policies.append(SriovPolicy(
                net.span,
                name=f"{net.name}-{group.name}",
                resource_name=net.resource_name,
                pf_names=(nic.name,),
                vf_range=net.vf_range,
                num_vfs=total,
                device_type="vfio-pci" if (net.dpdk or net.name in used) else "netdevice",
                node_selector=dict(group.selector),
                mtu=net.mtu,
                vendor=nic.sriov.vendor if nic.sriov else "",
                device_id=nic.sriov.device_id if nic.sriov else "",
                node_group=group.name,
                spans={k: net.at(k) for k in ("pf", "vf_range", "vfRange", "num_vfs", "numVfs", "resource_name",
                                              "resourceName", "mtu", "dpdk") if k in net.spans}
                | {"node_selector": group.at("selector")},
            ))
    return tuple(policies)
