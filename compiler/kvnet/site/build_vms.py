"""VMs (with VM-group expansion and interface defaults) and the Services their `expose` and `ssh` ask for.

A group entry (`web-{01..03}`) becomes one Vm per member. A MAC or static IP written on a group is the
first member's; the others count up from it, so a group never shares addresses by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kvnet.frozen import frozen
from kvnet.load import YList, YMap
from kvnet.model import (
    Exposure,
    Interface,
    IPInterface,
    Network,
    NetworkType,
    Resources,
    Service,
    ServicePort,
    SshAccess,
    Vm,
    int_to_mac,
    mac_to_int,
    normalize_mac,
)
from kvnet.site import defaults, values
from kvnet.site.context import Context, field_spans, items, mapping, text_map
from kvnet.span import Span


@frozen
class VmEntry:
    """One item of `vms` with the names it expands to."""

    data: YMap
    span: Span
    names: tuple[str, ...]
    namespace: str
    group: str  # the pattern, "" for a single VM

    @property
    def base(self) -> str:
        return values.group_base(self.group) if self.group else self.names[0]


def read_entries(ctx: Context, spec: YMap) -> list[VmEntry]:
    seq = spec.get("vms")
    if not isinstance(seq, YList):
        return []
    entries = []
    for i, item in enumerate(seq):
        m = mapping(item)
        name = m.get("name")
        if not isinstance(name, str):
            continue
        names = ctx.parse(values.expand_group, name, m.value_span("name"), f'VM group "{name}"')
        if not names:
            continue
        group = name if values.is_group_pattern(name) else ""
        namespace = str(m.get("namespace") or defaults.VM_NAMESPACE)
        entries.append(VmEntry(m, seq.item_span(i), tuple(names), namespace, group))
    return entries


def network_users(entries: list[VmEntry]) -> dict[str, set[str]]:
    """Network name → namespaces of the VMs that attach to it."""
    users: dict[str, set[str]] = {}
    for entry in entries:
        for iface in items(entry.data.get("interfaces")):
            net = mapping(iface).get("network")
            if isinstance(net, str) and net != defaults.POD_NETWORK:
                namespace, _, name = net.rpartition("/")
                users.setdefault(name, set()).add(namespace or entry.namespace)
    return users


def build_vms(ctx: Context, entries: list[VmEntry], networks: tuple[Network, ...]) -> tuple[Vm, ...]:
    by_name = {n.name: n for n in networks}
    vms = []
    for entry in entries:
        m = entry.data
        labels = text_map(m.get("labels"))
        if entry.group and not labels and _needs_services(m):
            labels = {defaults.GROUP_LABEL: entry.base}
        for index, name in enumerate(entry.names):
            vms.append(Vm(
                entry.span,
                name=name,
                namespace=entry.namespace,
                labels=labels,
                annotations=text_map(m.get("annotations")),
                interfaces=_interfaces(ctx, m, index, by_name),
                ssh=_ssh(m, entry),
                expose=tuple(_exposure(ctx, mapping(x), s) for x, s in _items_with_spans(m, "expose")),
                service_mesh=m.get("serviceMesh") is True,
                resources=_resources(m),
                run_strategy=str(m.get("runStrategy") or defaults.RUN_STRATEGY),
                guest_agent=m.get("guestAgent") is not False,
                cloud_init_network=any(_has_ip(i) for i in items(m.get("interfaces"))),
                group=entry.group,
                image=str(m.get("image", "")),
                spans=field_spans(m),
            ))
    return tuple(vms)


def _needs_services(m: YMap) -> bool:
    via = items(mapping(m.get("ssh")).get("via"))
    return bool(items(m.get("expose"))) or "service" in via or "nodeport" in via


def _has_ip(iface: Any) -> bool:
    return bool(mapping(iface).get("ip") or mapping(iface).get("ips"))


def _items_with_spans(m: YMap, key: str) -> list[tuple[Any, Span]]:
    seq = m.get(key)
    if not isinstance(seq, YList):
        return []
    return [(item, seq.item_span(i)) for i, item in enumerate(seq)]


def _interfaces(ctx: Context, m: YMap, index: int, networks: Mapping[str, Network]) -> tuple[Interface, ...]:
    written = _items_with_spans(m, "interfaces")
    if not written:  # KubeVirt attaches the pod network when no interface is given
        span = m.span
        return (Interface(span, name="default", network=defaults.POD_NETWORK, binding="masquerade",
                          model=defaults.NIC_MODEL),)
    out = []
    for item, span in written:
        i = mapping(item)
        network_name = str(i.get("network", ""))
        net = networks.get(network_name.rpartition("/")[2])
        kind: NetworkType | None = net.type if net else None
        mac = i.get("mac")
        out.append(Interface(
            span,
            name=str(i.get("name", "")),
            network=network_name,
            binding=i.get("binding") or defaults.default_binding(kind, network_name),
            model=str(i.get("model") or defaults.NIC_MODEL),
            mac=_nth_mac(mac, index) if isinstance(mac, str) else None,
            ips=_ips(ctx, i, index, net),
            state=str(i.get("state") or "up"),
            hotplug=i.get("hotplug") is True,
            spans=field_spans(i, {"ip": "ips"}),
        ))
    return tuple(out)


def _nth_mac(text: str, index: int) -> str:
    """The MAC of the index-th group member (the written one counts up); invalid MACs stay as written."""
    value = mac_to_int(text)
    if value is None:
        return text
    return int_to_mac(value + index) if index else normalize_mac(text)


def _ips(ctx: Context, i: YMap, index: int, net: Network | None) -> tuple[IPInterface, ...]:
    written: list[tuple[Any, Span]] = []
    if "ip" in i:
        written.append((i["ip"], i.value_span("ip")))
    written += _items_with_spans(i, "ips")
    out = []
    for text, span in written:
        iface = ctx.interface(text, span, f'IP of interface "{i.get("name", "")}"')
        if iface is None:
            continue
        if "/" not in str(text) and net is not None:  # no prefix written: take the subnet's
            subnet = next((s for s in net.subnets if s.version == iface.version and iface.ip in s), None)
            if subnet is not None:
                iface = values.parse_interface(f"{iface.ip}/{subnet.prefixlen}")
        if index:
            iface = values.parse_interface(f"{iface.ip + index}/{iface.network.prefixlen}")
        out.append(iface)
    return tuple(out)


def _ssh(m: YMap, entry: VmEntry) -> SshAccess | None:
    s = m.get("ssh")
    if not isinstance(s, YMap):
        return None
    keys = tuple(str(k) for k in items(s.get("authorizedKeys")))
    secret = str(s.get("secretName") or (f"{entry.base}-ssh-keys" if keys else ""))
    return SshAccess(m.value_span("ssh"), authorized_keys=keys, secret_name=secret,
                     via=tuple(str(v) for v in items(s.get("via"))), user=str(s.get("user") or defaults.SSH_USER),
                     spans=field_spans(s))


def _resources(m: YMap) -> Resources | None:
    r = m.get("resources")
    if not isinstance(r, YMap):
        return None
    cores = r.get("cores")
    return Resources(m.value_span("resources"), cores=cores if isinstance(cores, int) else None,
                     memory=str(r["memory"]) if r.get("memory") else None,
                     hugepages=str(r["hugepages"]) if r.get("hugepages") else None,
                     dedicated_cpus=r.get("dedicatedCpus") is True, spans=field_spans(r))


def _port(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _exposure(ctx: Context, x: YMap, span: Span) -> Exposure:
    port = _port(x.get("port")) or 0
    protocol = str(x.get("protocol") or "TCP")
    return Exposure(span, name=str(x.get("name") or f"{protocol.lower()}-{port}"), port=port,
                    target_port=_port(x.get("targetPort")) or port, protocol=protocol,
                    type=str(x.get("type") or "ClusterIP"), pool=str(x["pool"]) if x.get("pool") else None,
                    ip=ctx.ip(x, "ip", "LoadBalancer IP"), node_port=_port(x.get("nodePort")), spans=field_spans(x))


def build_services(entries: list[VmEntry], vms: tuple[Vm, ...]) -> tuple[Service, ...]:
    """One Service per entry and exposure, plus one per SSH `via: service|nodeport`."""
    first_vm = {(vm.namespace, vm.group or vm.name): vm for vm in reversed(vms)}
    services: list[Service] = []
    for entry in entries:
        vm = first_vm.get((entry.namespace, entry.group or entry.names[0]))
        if vm is None:
            continue
        labels_span = entry.data.value_span("labels") if "labels" in entry.data else entry.span
        selector = dict(vm.labels) or {"vm.kubevirt.io/name": vm.name}
        targets = tuple(f"{entry.namespace}/{n}" for n in entry.names)
        for exp in vm.expose:
            port = ServicePort(exp.span, name=exp.name, port=exp.port, target_port=exp.target_port,
                               protocol=exp.protocol, node_port=exp.node_port, spans=exp.spans)
            services.append(Service(
                exp.span, name=f"{entry.base}-{exp.name}", namespace=entry.namespace, type=exp.type,
                selector=selector, ports=(port,), load_balancer_ips=(exp.ip,) if exp.ip else (), pool=exp.pool,
                target_vms=targets, spans={**exp.spans, "selector": labels_span},
            ))
        if vm.ssh is not None:
            for via, kind, suffix in (("service", "ClusterIP", "ssh"), ("nodeport", "NodePort", "ssh-nodeport")):
                if via in vm.ssh.via:
                    span = vm.ssh.at("via")
                    services.append(Service(
                        span, name=f"{entry.base}-{suffix}", namespace=entry.namespace, type=kind,
                        selector=selector, ports=(ServicePort(span, name="ssh", port=22, target_port=22),),
                        target_vms=targets, spans={"selector": labels_span},
                    ))
    return tuple(services)
