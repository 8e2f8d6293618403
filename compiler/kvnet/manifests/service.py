"""Service → Service: selector, ports, and the load-balancer addresses and pool it asks MetalLB for."""

from __future__ import annotations

from kvnet.manifests import addresses
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import Service, ServicePort
from kvnet.span import Span

# MetalLB ≥ 0.14.9 reads metallb.io/; the metallb.universe.tf/ prefix is still honoured
IP_ANNOTATIONS = ("metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs")
POOL_ANNOTATIONS = ("metallb.io/address-pool", "metallb.universe.tf/address-pool")


def read_service(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """spans: `load_balancer_ips` (and `load_balancer_ips[i]`) at each requested address's source,
    `spec.loadBalancerIP` and `annotation.loadBalancerIPs` when written (MetalLB rejects both together),
    `pool` at the pool annotation."""
    out = Collected()
    out.spans.update(meta.base_spans())
    spec = obj.mapping("spec")
    if spec is not None:
        out.set("type", spec.text("type"), spec.at("type"))
        if spec.has("selector"):
            out.set("selector", spec.str_map("selector"), spec.at("selector"))
        for port in spec.maps("ports"):
            out.append("ports", _port(port), port.span)
        families = spec.strs("ipFamilies")
        if families:
            out.set("ip_families", tuple(f for f, _ in families), spec.at("ipFamilies"))
        requested = spec.text("loadBalancerIP")
        if requested:
            out.spans["spec.loadBalancerIP"] = spec.at("loadBalancerIP")
            _addresses(requested, spec.at("loadBalancerIP"), spec.sub("loadBalancerIP"), out, ctx)
    for key in IP_ANNOTATIONS:
        if key in meta.annotations:
            span = meta.spans[f"annotations.{key}"]
            out.spans["annotation.loadBalancerIPs"] = span
            _addresses(meta.annotations[key], span, f"metadata.annotations.{key}", out, ctx)
            break
    for key in POOL_ANNOTATIONS:
        if key in meta.annotations:
            out.set("pool", meta.annotations[key].strip(), meta.spans[f"annotations.{key}"])
            break
    ctx.parts.services.append(Service(meta.span, name=meta.name, namespace=meta.namespace_or_default,
                                      origin="manifest", spans=out.spans, **out.values))


def _addresses(text: str, span: Span, path: str, out: Collected, ctx: ReadContext) -> None:
    for entry in addresses.comma_list(text):
        found = addresses.ip(entry)
        if found is None:
            ctx.problems.add(f"{path}: {entry!r} is not an IP address", span, "write it as 192.168.50.10")
            continue
        out.append("load_balancer_ips", found, span)


def _port(port: Obj) -> ServicePort:
    out = Collected()
    out.set("name", port.text("name"), port.at("name"))
    out.set("port", port.integer("port"), port.at("port"))
    out.set("target_port", port.text_or_int("targetPort"), port.at("targetPort"))
    out.set("protocol", port.text("protocol"), port.at("protocol"))
    out.set("node_port", port.integer("nodePort"), port.at("nodePort"))
    return ServicePort(port.span, spans=out.spans, **out.values)
