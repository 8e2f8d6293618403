"""MetalLB (metallb.io/v1beta1): IPAddressPool, L2Advertisement, BGPAdvertisement — api-reference §3.2.

All in the MetalLB namespace (its webhook rejects them anywhere else). A pool the site marks `advertise: l2`
(or `bgp`) gets an advertisement that names it explicitly: an advertisement without pools or selectors
would announce *every* pool, including ones another team owns.
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import WAVE_NETWORK, Manifest, metadata, range_text
from kvnet.model import AddressPool, Advertisement, Site

_KIND_OF_MODE = {"l2": "L2Advertisement", "bgp": "BGPAdvertisement"}


def _namespace(site: Site) -> str:
    return site.cluster.metallb_namespace if site.cluster else "metallb-system"


def advertisements(site: Site) -> list[Advertisement]:
    """The site's advertisements plus one per pool and mode that no advertisement names yet."""
    own = [a for a in site.advertisements if a.origin == "site"]
    covered = {(a.kind, pool) for a in own for pool in a.pools}
    derived = [
        Advertisement(pool.span, name=f"{pool.name}-{mode}", kind=_KIND_OF_MODE[mode], pools=(pool.name,))
        for pool in site.pools
        if pool.origin == "site"
        for mode in sorted(set(pool.advertise))
        if mode in _KIND_OF_MODE and (_KIND_OF_MODE[mode], pool.name) not in covered
    ]
    return sorted(own + derived, key=lambda a: (a.kind, a.name))


def _pool(site: Site, pool: AddressPool) -> Manifest:
    return {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": metadata(site, pool.name, _namespace(site), WAVE_NETWORK, custom_resource=True),
        "spec": {
            "addresses": [range_text(r.start, r.end) for r in pool.ranges],
            "autoAssign": pool.auto_assign,
        },
    }


def _advertisement(site: Site, adv: Advertisement) -> Manifest:
    spec: dict[str, Any] = {}
    if adv.pools:
        spec["ipAddressPools"] = sorted(adv.pools)
    return {
        "apiVersion": "metallb.io/v1beta1",
        "kind": adv.kind,
        "metadata": metadata(site, adv.name, _namespace(site), WAVE_NETWORK, custom_resource=True),
        "spec": spec,
    }


def metallb_manifests(site: Site) -> list[Manifest]:
    pools = sorted((p for p in site.pools if p.origin == "site"), key=lambda p: p.name)
    return [_pool(site, p) for p in pools] + [_advertisement(site, a) for a in advertisements(site)]


def pool_containing(site: Site, ip: Any) -> AddressPool | None:
    """The site pool whose ranges hold `ip`, if any (to annotate a Service that requests that IP)."""
    return next((p for p in site.pools if any(ip in r for r in p.ranges)), None)
