"""read_site: a validated site document → the model, with every default applied here and nowhere else.

Stages, in order: schema (stop on problems) → cluster facts → node hardware → which VMs use which networks →
networks → VMs → SR-IOV policies, Services, MetalLB, secondary DNS, HyperConverged, namespaces → stop if any
value could not be parsed. Semantic conflicts (unknown network names, duplicate MACs) are left to the rules:
the model keeps what was written so they can point at it.
"""

from __future__ import annotations

from typing import Any

from kvnet.errors import KvnetInputError
from kvnet.load import Document, YList, YMap
from kvnet.model import (
    AddressPool,
    AddressRange,
    Advertisement,
    Cluster,
    GitOps,
    HyperConverged,
    MacRange,
    Namespace,
    Network,
    SecondaryDns,
    Site,
    Vm,
    mac_to_int,
)
from kvnet.site import defaults, values
from kvnet.site.build_networks import build_networks, build_sriov_policies
from kvnet.site.build_nodes import build_node_groups, build_nodes
from kvnet.site.build_vms import build_services, build_vms, network_users, read_entries
from kvnet.site.context import Context, entry_span, field_spans, items, mapping
from kvnet.site.schema import validate_site
from kvnet.span import Span


def read_site(doc: Document) -> Site:
    """Validate a site document and build its model. Raises KvnetInputError with every problem found."""
    problems = validate_site(doc)
    if problems:
        raise KvnetInputError(problems)
    ctx = Context(doc)
    root = mapping(doc.data)
    spec = mapping(root.get("spec"))
    cluster = build_cluster(ctx, spec, root)
    groups = build_node_groups(ctx, spec)
    entries = read_entries(ctx, spec)
    users = network_users(entries)
    networks = build_networks(ctx, spec, cluster, users)
    vms = build_vms(ctx, entries, networks)
    site = Site(
        doc.span,
        name=str(mapping(root.get("metadata")).get("name", "")),
        cluster=cluster,
        gitops=_gitops(spec, cluster),
        mac_pool=_mac_range(spec, "macPool"),
        kube_mac_pool=_mac_range(spec, "kubeMacPool"),
        node_groups=groups,
        nodes=build_nodes(ctx, spec),
        networks=networks,
        sriov_policies=build_sriov_policies(networks, groups, set(users), cluster.sriov_namespace),
        pools=_pools(ctx, spec, cluster),
        advertisements=_advertisements(spec, cluster),
        secondary_dns=_secondary_dns(ctx, spec, cluster),
        hyperconverged=_hyperconverged(spec, cluster, networks),
        vms=vms,
        services=build_services(entries, vms),
        namespaces=_namespaces(cluster, networks, vms),
        files=(doc.file,),
        spans=field_spans(spec),
    )
    if ctx.problems:
        raise KvnetInputError(ctx.problems)
    return site


def build_cluster(ctx: Context, spec: YMap, root: YMap) -> Cluster:
    c = mapping(spec.get("cluster"))
    distribution = str(c.get("distribution") or "openshift")
    ns = defaults.NAMESPACES.get(distribution, defaults.NAMESPACES["openshift"])
    overrides = mapping(c.get("operatorNamespaces"))
    openshift = distribution == "openshift"
    ovn = mapping(c.get("ovn"))
    internal = []
    for key, default in defaults.OVN_INTERNAL_DEFAULTS:
        written = ctx.cidr(ovn, defaults.OVN_INTERNAL_KEYS[key], f"OVN {key} subnet")
        if written is not None or openshift:
            internal.append((key, written or default))
    spans = field_spans(c)
    for key, yaml_key in defaults.OVN_INTERNAL_KEYS.items():
        if yaml_key in ovn:
            spans[f"ovn.{yaml_key}"] = spans[key] = ovn.value_span(yaml_key)
    return Cluster(
        c.span if c else spec.span,
        name=str(c.get("name") or mapping(root.get("metadata")).get("name", "")),
        platform=str(c.get("platform") or "baremetal"),
        distribution=distribution,
        version=str(c.get("version") or ""),
        cluster_networks=ctx.cidrs(c, "clusterNetwork", "clusterNetwork")
        or (defaults.OPENSHIFT_CLUSTER_NETWORKS if openshift else ()),
        service_networks=ctx.cidrs(c, "serviceNetwork", "serviceNetwork")
        or (defaults.OPENSHIFT_SERVICE_NETWORKS if openshift else ()),
        machine_networks=ctx.cidrs(c, "machineNetwork", "machineNetwork"),
        ovn_internal_networks=tuple(internal),
        cluster_domain=str(c.get("clusterDomain") or defaults.CLUSTER_DOMAIN),
        base_domain=str(c.get("baseDomain") or ""),
        ip_families=tuple(str(f) for f in items(c.get("ipFamilies"))) or defaults.IP_FAMILIES,
        cnv_namespace=str(overrides.get("virtualization") or ns.virtualization),
        sriov_namespace=str(overrides.get("sriov") or ns.sriov),
        metallb_namespace=str(overrides.get("metallb") or ns.metallb),
        nmstate_namespace=str(overrides.get("nmstate") or ns.nmstate),
        argocd_namespace=str(overrides.get("gitops") or ns.gitops),
        spans=spans,
    )


def _gitops(spec: YMap, cluster: Cluster) -> GitOps | None:
    g = spec.get("gitops")
    if not isinstance(g, YMap):
        return None
    return GitOps(spec.value_span("gitops"), repo_url=str(g.get("repoURL", "")), path=str(g.get("path", "")),
                  target_revision=str(g.get("targetRevision") or defaults.GITOPS_REVISION),
                  project=str(g.get("project") or defaults.GITOPS_PROJECT),
                  destination_server=str(g.get("destinationServer") or defaults.GITOPS_SERVER),
                  app_namespace=str(g.get("namespace") or cluster.argocd_namespace),
                  spans=field_spans(g, {"namespace": "app_namespace"}))


def _mac_range(spec: YMap, key: str) -> MacRange | None:
    r = spec.get(key)
    if not isinstance(r, YMap):
        return None
    start, end = mac_to_int(str(r.get("start", ""))), mac_to_int(str(r.get("end", "")))
    return MacRange(spec.value_span(key), start=start or 0, end=end or 0, spans=field_spans(r))


def _pool_entries(spec: YMap) -> YMap:
    return mapping(mapping(spec.get("loadBalancer")).get("pools"))


def _advertise(body: YMap) -> tuple[str, ...]:
    """l2 unless the pool says otherwise; `advertise: []` announces nothing."""
    if "advertise" not in body:
        return ("l2",)
    value = body["advertise"]
    return (value,) if isinstance(value, str) else tuple(str(v) for v in items(value))


def _pools(ctx: Context, spec: YMap, cluster: Cluster) -> tuple[AddressPool, ...]:
    pools = _pool_entries(spec)
    out = []
    for name in pools:
        body = mapping(pools[name])
        seq = body.get("addresses")
        ranges = []
        for i, text in enumerate(items(seq)):
            span = seq.item_span(i) if isinstance(seq, YList) else body.span
            parsed = ctx.parse(values.parse_ip_range, text if isinstance(text, str) else None, span,
                               f'address of pool "{name}"')
            if parsed is not None:
                ranges.append(AddressRange(span, start=parsed[0], end=parsed[1]))
        out.append(AddressPool(entry_span(pools, name), name=name, namespace=cluster.metallb_namespace,
                               ranges=tuple(ranges), auto_assign=body.get("autoAssign") is not False,
                               advertise=_advertise(body), spans=field_spans(body, {"addresses": "ranges"})))
    return tuple(out)


def _advertisements(spec: YMap, cluster: Cluster) -> tuple[Advertisement, ...]:
    """One L2Advertisement / BGPAdvertisement per pool and mode, naming its pool."""
    pools = _pool_entries(spec)
    out = []
    for name in pools:
        body = mapping(pools[name])
        span = body.value_span("advertise") if "advertise" in body else entry_span(pools, name)
        for mode in _advertise(body):
            kind = "L2Advertisement" if mode == "l2" else "BGPAdvertisement"
            out.append(Advertisement(span, name=f"{name}-{mode}", namespace=cluster.metallb_namespace, kind=kind,
                                     pools=(name,)))
    return tuple(out)


def _secondary_dns(ctx: Context, spec: YMap, cluster: Cluster) -> SecondaryDns | None:
    d = spec.get("secondaryDNS")
    if not isinstance(d, YMap):
        return None
    return SecondaryDns(spec.value_span("secondaryDNS"), enabled=d.get("enabled") is True,
                        name_server_ip=ctx.ip(d, "nameServerIP", "secondary DNS nameServerIP"),
                        domain=f"vm.{cluster.base_domain}" if cluster.base_domain else "", spans=field_spans(d))


def _hyperconverged(spec: YMap, cluster: Cluster, networks: tuple[Network, ...]) -> HyperConverged | None:
    """The HyperConverged settings the site implies: migration network and secondary DNS."""
    migration = next((n for n in networks if n.purpose == "live-migration"), None)
    dns = mapping(spec.get("secondaryDNS"))
    if migration is None and not dns:
        return None
    spans: dict[str, Span] = {}
    if migration is not None:
        spans["live_migration_network"] = migration.at("purpose")
    if dns:
        spans["deploy_kube_secondary_dns"] = dns.value_span("enabled")
        spans["kube_secondary_dns_name_server_ip"] = dns.value_span("nameServerIP")
    ip = dns.get("nameServerIP")
    return HyperConverged(
        migration.span if migration is not None else spec.value_span("secondaryDNS"),
        name=defaults.HYPERCONVERGED_NAME,
        namespace=cluster.cnv_namespace,
        live_migration_network=migration.name if migration is not None else None,
        deploy_kube_secondary_dns=(dns.get("enabled") is True) if dns else None,
        kube_secondary_dns_name_server_ip=str(ip) if isinstance(ip, str) else None,
        feature_gates={"deployKubeSecondaryDNS": dns.get("enabled") is True} if dns else {},
        spans=spans,
    )


def _namespaces(cluster: Cluster, networks: tuple[Network, ...], vms: tuple[Vm, ...]) -> tuple[Namespace, ...]:
    """Tenant namespaces the VMs and networks need (operator namespaces and `default` exist already)."""
    existing = {"default", cluster.cnv_namespace, cluster.sriov_namespace, cluster.metallb_namespace,
                cluster.nmstate_namespace, cluster.argocd_namespace}
    first: dict[str, Span] = {}
    mesh: set[str] = set()
    for vm in vms:
        first.setdefault(vm.namespace, vm.at("namespace"))
        if vm.service_mesh:
            mesh.add(vm.namespace)
    for net in networks:
        for ns in net.namespaces:
            first.setdefault(ns, net.at("namespaces"))
    labels: dict[str, dict[str, Any]] = {ns: dict(defaults.MESH_NAMESPACE_LABELS) for ns in mesh}
    return tuple(Namespace(first[ns], name=ns, labels=labels.get(ns, {})) for ns in sorted(first)
                 if ns not in existing)
