"""The dedicated live-migration network (LM-01).

HyperConverged `spec.liveMigrationConfig.network` names a NAD that KubeVirt attaches to every virt-handler
pod as `migration0`. Nothing validates the name: a typo or a broken NAD surfaces as failing migrations (or
virt-handler pods that cannot start) across the whole cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Network
from kvnet.rules.facts import cnv_namespace, net_label, vm_label
from kvnet.rules.registry import RuleContext, rule

NO_ADDRESS_IPAM = ("none", "static")  # nothing hands virt-handler's migration0 an address


def _migration_networks(ctx: RuleContext) -> Iterator[tuple[Network | None, Problem | None]]:
    """The migration network(s) the site or the HyperConverged names, or the problem finding it."""
    site = ctx.site
    namespace = cnv_namespace(site)
    for net in site.networks:
        if net.purpose == "live-migration" and site.origin == "site":
            yield net, None
    hc = site.hyperconverged
    if hc is None or not hc.live_migration_network or site.origin == "site":
        return
    name = hc.live_migration_network
    if not site.networks:
        return  # no NAD in the checked files: the migration NAD is managed elsewhere
    namespace = hc.namespace or namespace  # upstream KubeVirt: the NAD lives beside the KubeVirt CR
    candidates = [n for n in site.networks if n.name == name]
    here = next((n for n in candidates if namespace in n.namespaces), None)
    if here is not None:
        yield here, None
        return
    related = tuple(Related(n.span, f"{net_label(n)} is in the wrong namespace") for n in candidates[:3])
    where = f"; one exists in {', '.join(ns for n in candidates for ns in n.namespaces)}" if candidates else ""
    yield None, Problem(f"HyperConverged liveMigrationConfig.network names {name!r}, but no NAD {namespace}/{name} "
                        f"exists{where}", hc.at("live_migration_network"),
                        f"create the migration NAD in namespace {namespace}", related)


@rule("LM-01", "migration-network",
      "Live-migration network missing, outside the KubeVirt namespace, shared or without IPAM")
def migration_network(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks the dedicated live-migration network: the NAD named by the HyperConverged exists in the
    KubeVirt namespace (`openshift-cnv`); it has IPAM (whereabouts or DHCP — virt-handler needs an
    address on `migration0`); it is dedicated (no VM attaches to it; only one is declared); and a
    linux-bridge migration network's bridge exists on every node group, since every node migrates.

    ## Why is this bad?
    The name is not validated anywhere. A missing NAD leaves virt-handler pods unable to start; without an
    address virt-handler fails ("no IP found on migration0"); a bridge missing on some nodes breaks
    migrations to and from them; VMs on the network compete with migration traffic.

    ## Example
    ```yaml
    networks:
      migration: {type: linux-bridge, bridge: br-vm, vlan: 250, purpose: live-migration}
    ```

    ## Use instead
    ```yaml
    networks:
      migration: {type: linux-bridge, bridge: br-vm, vlan: 250, purpose: live-migration,
                  subnet: 10.250.0.0/24, ipam: whereabouts}
    ```

    ## How to fix
    Create the NAD in the KubeVirt namespace with whereabouts (or DHCP) IPAM on a subnet of its own, carry
    its bridge on every node, and keep VMs off it.
    """
    seen: Network | None = None
    for net, problem in _migration_networks(ctx):
        if problem is not None:
            yield problem
            continue
        assert net is not None
        if seen is not None:
            yield Problem(f"{net_label(net)} is a second live-migration network; KubeVirt uses one",
                          net.at("purpose"), "keep one network with purpose live-migration",
                          (Related(seen.at("purpose"), f"{net_label(seen)} is the first"),))
            continue
        seen = net
        yield from _check_network(ctx, net)


def _check_network(ctx: RuleContext, net: Network) -> Iterator[Problem]:
    if net.ipam in NO_ADDRESS_IPAM:
        yield Problem(f"live-migration {net_label(net)} has {net.ipam} IPAM; virt-handler needs an address on "
                      f"it from whereabouts or DHCP", net.at("ipam"), "use whereabouts IPAM with a subnet of its own")
    for vm, iface in ctx.graph.interfaces_on(net)[:1]:
        yield Problem(f"{vm_label(vm)} interface {iface.name!r} attaches to live-migration {net_label(net)}; "
                      f"keep the migration network dedicated", iface.at("network"),
                      "attach VMs to another network", (Related(net.at("purpose"), "the migration network"),))
    if net.type == "linux-bridge" and net.bridge and ctx.site.node_groups:
        missing = [g for g in ctx.site.node_groups if g.bridge(net.bridge) is None]
        carrying = ctx.graph.groups_carrying_bridge(net.bridge)
        if missing and carrying:  # none at all is NAD-04's finding
            yield Problem(f"live-migration {net_label(net)} uses bridge {net.bridge!r}, which node group(s) "
                          f"{', '.join(g.name for g in missing)} lack: their nodes cannot migrate",
                          net.at("bridge"), f"create bridge {net.bridge} on every node group",
                          tuple(Related(g.span, f"node group {g.name!r} has no {net.bridge}") for g in missing[:3]))
