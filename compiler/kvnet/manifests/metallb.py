"""MetalLB: IPAddressPool → AddressPool; L2Advertisement / BGPAdvertisement → Advertisement."""

from __future__ import annotations

from kvnet.manifests import addresses
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import AddressPool, AddressRange, Advertisement


def _placement(meta: Meta, out: Collected) -> None:
    out.spans.update(meta.base_spans())
    if meta.namespace is not None:  # else the model's default, metallb-system
        out.values["namespace"] = meta.namespace


def read_pool(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """`addresses` entries are CIDRs or `first-last` ranges; each becomes an AddressRange at its line."""
    out = Collected()
    _placement(meta, out)
    spec = obj.mapping("spec")
    if spec is not None:
        for text, span in spec.strs("addresses"):
            bounds = addresses.address_range(text)
            if bounds is None:
                ctx.problems.add(f"{spec.sub('addresses')}: {text!r} is neither a CIDR nor a first-last range",
                                 span, "write 192.168.50.0/28 or 192.168.50.10-192.168.50.20")
                continue
            out.append("ranges", AddressRange(span, start=bounds[0], end=bounds[1]), span)
        out.set("auto_assign", spec.flag("autoAssign"), spec.at("autoAssign"))
    ctx.parts.pools.append(AddressPool(meta.span, name=meta.name, origin="manifest", spans=out.spans,
                                       **out.values))


def read_advertisement(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """No pools named and no selectors: the advertisement covers every pool."""
    out = Collected()
    _placement(meta, out)
    spec = obj.mapping("spec")
    if spec is not None:
        pools = spec.strs("ipAddressPools")
        if pools:
            out.set("pools", tuple(p for p, _ in pools), spec.at("ipAddressPools"))
        if spec.maps("ipAddressPoolSelectors"):
            out.set("pool_selectors", True, spec.at("ipAddressPoolSelectors"))
    ctx.parts.advertisements.append(Advertisement(meta.span, name=meta.name, kind=meta.kind, origin="manifest",
                                                  spans=out.spans, **out.values))
