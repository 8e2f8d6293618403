"""Sites for the lock tests: small sites built as models (fast, for hypothesis) or as site-file text."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from kvnet.model import Interface, MacRange, Network, Site, Vm, mac_to_int
from kvnet.span import Span

SPAN = Span("site.yaml", 1, 1, 1, 1)


def mac_range(start: str, end: str) -> MacRange:
    low, high = mac_to_int(start), mac_to_int(end)
    assert low is not None and high is not None
    return MacRange(SPAN, start=low, end=high)


def static_net(name: str = "prod", subnet: str = "10.110.0.0/24", gateway: str | None = "10.110.0.1",
               **extra: object) -> Network:
    return Network(SPAN, name=name, type="linux-bridge", bridge="br-vm", subnets=(ipaddress.ip_network(subnet),),
                   gateway=ipaddress.ip_address(gateway) if gateway else None, ipam="static", **extra)  # type: ignore[arg-type]


def ovn_net(name: str = "tenant") -> Network:
    return Network(SPAN, name=name, type="ovn-layer2", subnets=(ipaddress.ip_network("10.200.0.0/16"),), ipam="ovn")


def vm(name: str, *ifaces: tuple[str, str], namespace: str = "web", **iface_extra: object) -> Vm:
    """A VM with (interface, network) pairs; iface_extra applies to every interface (mac=..., ips=...)."""
    return Vm(SPAN, name=name, namespace=namespace,
              interfaces=tuple(Interface(SPAN, name=i, network=n, **iface_extra) for i, n in ifaces))  # type: ignore[arg-type]


def site(vms: Iterable[Vm], networks: Sequence[Network] | None = None, *, pool: tuple[str, str] | None =
         ("02:a0:00:00:00:00", "02:a0:00:00:ff:ff"), kmp: tuple[str, str] | None = None, **extra: object) -> Site:
    return Site(SPAN, name="lab", mac_pool=mac_range(*pool) if pool else None,
                kube_mac_pool=mac_range(*kmp) if kmp else None,
                networks=tuple(networks if networks is not None else (static_net(), ovn_net())),
                vms=tuple(vms), **extra)  # type: ignore[arg-type]


SITE_TEXT = """\
# A small lab site for the lock and fix commands.
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata:
  name: lab
spec:
  cluster: {name: lab-1, version: "4.18"}
  macPool: {start: "02:a0:00:00:00:00", end: "02:a0:00:00:00:ff"}
  kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
  nodeGroups:
    workers:
      selector: {node-role.kubernetes.io/worker: ""}
      nics:
        eno1: {role: primary}
        ens3f0: {mtu: 9000}
      bridges:
        br-vm: {port: ens3f0, vlans: ["100-199"], mtu: 9000}
  networks:
    prod:
      type: linux-bridge
      bridge: br-vm
      vlan: 110
      subnet: 10.110.0.0/24
      gateway: 10.110.0.1
      ipam: static
    tenant:
      type: ovn-layer2
      subnet: 10.200.0.0/16
  vms:
    - name: web-{1..3}
      namespace: web
      interfaces:
        - {name: default, network: pod}
        - {name: prod, network: prod}   # pinned by kvnet lock
        - {name: tenant, network: tenant}
    - name: db
      namespace: web
      interfaces:
        - {name: prod, network: prod, mac: "02:a0:00:00:00:00", ip: 10.110.0.2/24}
"""
