"""UserDefinedNetwork / ClusterUserDefinedNetwork (k8s.ovn.org) → Network.

A UDN is one network in its namespace; a CUDN is one network in every namespace its namespaceSelector
names by `kubernetes.io/metadata.name` (matchLabels or an `In` expression). Any other selector cannot be
resolved offline: `namespaces` is then empty, meaning any namespace.
"""

from __future__ import annotations

from kvnet.manifests import addresses
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Collected, Obj
from kvnet.manifests.nad import namespace_spans
from kvnet.model import Network, NetworkType

_NAME_LABEL = "kubernetes.io/metadata.name"
_TYPES: dict[str, NetworkType] = {"layer2": "ovn-layer2", "localnet": "ovn-localnet"}


def read_udn(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    namespace_spans(meta, out)
    spec = obj.mapping("spec")
    if spec is not None:
        _network(spec, out)
    _add(meta, (meta.namespace_or_default,), out, ctx)


def read_cudn(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    out.spans.update(meta.base_spans())
    namespaces: tuple[str, ...] = ()
    spec = obj.mapping("spec")
    if spec is not None:
        selector = spec.mapping("namespaceSelector")
        if selector is not None:
            namespaces = _selected_namespaces(selector)
            out.spans["namespaces"] = spec.at("namespaceSelector")
        network = spec.mapping("network")
        if network is not None:
            _network(network, out)
    _add(meta, namespaces, out, ctx)


def _add(meta: Meta, namespaces: tuple[str, ...], out: Collected, ctx: ReadContext) -> None:
    ctx.parts.networks.append(Network(meta.span, name=meta.name, namespaces=namespaces, origin="manifest",
                                      source_kind=meta.kind, cni_type="ovn-k8s-cni-overlay", spans=out.spans,
                                      **out.values))


def _selected_namespaces(selector: Obj) -> tuple[str, ...]:
    names: list[str] = []
    labels = selector.str_map("matchLabels")
    if _NAME_LABEL in labels:
        names.append(labels[_NAME_LABEL])
    for expression in selector.maps("matchExpressions"):
        if expression.text("key") == _NAME_LABEL and expression.text("operator") == "In":
            names.extend(value for value, _ in expression.strs("values"))
    return tuple(dict.fromkeys(names))


def _network(spec: Obj, out: Collected) -> None:
    """`topology` plus the block named after it (layer2 / layer3 / localnet)."""
    topology = (spec.text("topology") or "").lower()
    out.set("topology", topology or None, spec.at("topology"))
    out.values["type"] = _TYPES.get(topology, "other")
    block = spec.mapping(topology) if topology else None
    if block is None:
        return
    role = block.text("role")
    out.set("role", role.lower() if role else None, block.at("role"))
    out.set("mtu", block.integer("mtu"), block.at("mtu"))
    out.set("physical_network", block.text("physicalNetworkName"), block.at("physicalNetworkName"))
    vlan = block.mapping("vlan")
    access = vlan.mapping("access") if vlan is not None else None
    if access is not None:
        out.set("vlan", access.integer("id"), access.at("id"))
    for item in block.items("subnets"):
        text = item.value.get("cidr") if isinstance(item.value, dict) else item.value  # layer3: {cidr, hostSubnet}
        net = addresses.network(text) if isinstance(text, str) else None
        if net is None:
            block.problems.add(f"{item.path}: {item.value!r} is not a subnet", item.span, "write it as 10.100.0.0/24")
            continue
        out.append("subnets", net, item.span)
    if "subnets" in out.values:
        out.values["ipam"] = "ovn"
    for text, span in block.strs("excludeSubnets"):
        out.append("exclude_raw", text.strip(), span)
        excluded = addresses.network(text) if "/" in text else None
        if excluded is not None:
            out.append("exclude_subnets", excluded, span)
