"""The typed model of a site's VM networking, shared by both front ends.

The site front end (kvnet.site) and the manifests front end (kvnet.manifests) both produce a `Site`; the
graph, the rules and the emitters only ever see this model. Every object keeps the span of its source and,
in `spans`, the span of each field the user wrote, so a finding can point at the offending value:
`obj.at("vlan")` is the place of the `vlan` value, or of the object when the field was not written.

Conventions:
- names are as the user wrote them; addresses are `ipaddress` objects; MACs are lower-case
  colon-separated strings (`normalize_mac`), or the text as written when it is not a valid MAC;
- optional facts the user did not give are None (the site front end fills documented defaults);
- collections are tuples so that model objects can be shared without copying.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import field
from typing import Literal

from kvnet.frozen import frozen
from kvnet.span import Span

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

NetworkType = Literal["pod", "linux-bridge", "ovn-layer2", "ovn-localnet", "sriov", "macvlan", "other"]
Binding = Literal["masquerade", "bridge", "sriov", "passt", "l2bridge", "slirp", "other"]
IpamKind = Literal["none", "static", "whereabouts", "host-local", "dhcp", "ovn", "other"]
Origin = Literal["site", "manifest"]

_NO_SPANS: Mapping[str, Span] = {}
_ZERO_IP = ipaddress.IPv4Address(0)


@frozen
class Located:
    """Base of every model object: its own span and the spans of the fields that were written."""

    span: Span
    spans: Mapping[str, Span] = field(default_factory=lambda: _NO_SPANS, kw_only=True, compare=False, repr=False)

    def at(self, field_name: str) -> Span:
        """The span of a field's value, or of the object when the field was not written."""
        return self.spans.get(field_name, self.span)


def normalize_mac(text: str) -> str:
    """`52-54-00-AB-CD-EF` → `52:54:00:ab:cd:ef`; returns the input unchanged when it is not a MAC."""
    cleaned = text.strip().lower().replace("-", ":")
    parts = cleaned.split(":")
    if len(parts) == 6 and all(len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts):
        return cleaned
    return text


def mac_to_int(mac: str) -> int | None:
    """The MAC as a 48-bit integer, or None when it is not a valid MAC."""
    norm = normalize_mac(mac)
    if len(norm) != 17 or norm.count(":") != 5:
        return None
    try:
        return int(norm.replace(":", ""), 16)
    except ValueError:
        return None


def int_to_mac(value: int) -> str:
    raw = f"{value:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


# ---------------------------------------------------------------------------------------------- cluster


@frozen
class Cluster(Located):
    """Facts about the cluster. Networks default to OpenShift's when the site is silent."""

    name: str = ""
    platform: str = "baremetal"  # baremetal | rhosp | other
    distribution: str = "openshift"  # openshift | kubevirt
    version: str = ""
    cluster_networks: tuple[IPNetwork, ...] = ()
    service_networks: tuple[IPNetwork, ...] = ()
    machine_networks: tuple[IPNetwork, ...] = ()
    # OVN-Kubernetes internal ranges (join, transit switch, masquerade); defaults per api-reference
    ovn_internal_networks: tuple[tuple[str, IPNetwork], ...] = ()
    cluster_domain: str = "cluster.local"
    base_domain: str = ""
    ip_families: tuple[str, ...] = ("IPv4",)
    cnv_namespace: str = "openshift-cnv"
    sriov_namespace: str = "openshift-sriov-network-operator"
    metallb_namespace: str = "metallb-system"
    nmstate_namespace: str = "openshift-nmstate"
    argocd_namespace: str = "openshift-gitops"


@frozen
class GitOps(Located):
    """Where the Argo CD Application points."""

    repo_url: str = ""
    path: str = ""
    target_revision: str = "HEAD"
    project: str = "default"
    destination_server: str = "https://kubernetes.default.svc"
    app_namespace: str = "openshift-gitops"


@frozen
class MacRange(Located):
    """An inclusive MAC range, as 48-bit integers (see mac_to_int / int_to_mac)."""

    start: int = 0
    end: int = 0

    @property
    def size(self) -> int:
        return self.end - self.start + 1


# ---------------------------------------------------------------------------------------------- nodes


@frozen
class SriovCapability(Located):
    total_vfs: int = 0
    vendor: str = ""
    device_id: str = ""
    pci_address: str = ""


@frozen
class Nic(Located):
    name: str = ""
    role: str = ""  # "primary" carries the node IP
    mtu: int | None = None
    dhcp: bool = False
    sriov: SriovCapability | None = None


@frozen
class Bond(Located):
    name: str = ""
    mode: str = "active-backup"  # nmstate names: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, ...
    ports: tuple[str, ...] = ()
    mtu: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    ipv4_dhcp: bool = False  # the bond carries the node IP by DHCP (NNCP-01: the IP moved with the ports)
    ipv4_addresses: tuple[IPInterface, ...] = ()  # static addresses on the bond (NNCP-01)


@frozen
class VlanRange(Located):
    """An inclusive VLAN id range on a trunk (`100-299` or a single id)."""

    low: int = 0
    high: int = 0


@frozen
class Bridge(Located):
    """A Linux bridge on the nodes. `port` is its uplink (a NIC, bond or VLAN interface) or None."""

    name: str = ""
    port: str | None = None
    vlans: tuple[VlanRange, ...] = ()  # VLANs trunked on the uplink (vlan filtering); () = untagged only
    mtu: int | None = None
    stp: bool = False
    copy_mac_from: str | None = None
    ipv4_dhcp: bool = False
    ipv4_addresses: tuple[IPInterface, ...] = ()
    vlan_filtering: bool = False


@frozen
class VlanInterface(Located):
    """A VLAN sub-interface on a node (e.g. bond1.100)."""

    name: str = ""
    base: str = ""
    vlan_id: int = 0
    mtu: int | None = None


@frozen
class NodeGroup(Located):
    """Nodes that share hardware and get one NodeNetworkConfigurationPolicy (or: one NNCP read back)."""

    name: str = ""
    selector: Mapping[str, str] = field(default_factory=dict)
    nics: tuple[Nic, ...] = ()
    bonds: tuple[Bond, ...] = ()
    bridges: tuple[Bridge, ...] = ()
    vlan_interfaces: tuple[VlanInterface, ...] = ()
    ovn_bridge_mappings: tuple[OvnBridgeMapping, ...] = ()
    removed_interfaces: tuple[str, ...] = ()  # interfaces with state: absent (NNCP read back)
    origin: Origin = "site"
    ovs_bridges: tuple[OvsBridge, ...] = ()  # NNCP read back: `type: ovs-bridge` entries
    deprecated_slaves: tuple[str, ...] = ()  # NNCP read back: interfaces listing ports under nmstate's old `slaves`

    def nic(self, name: str) -> Nic | None:
        return next((n for n in self.nics if n.name == name), None)

    def bond(self, name: str) -> Bond | None:
        return next((b for b in self.bonds if b.name == name), None)

    def bridge(self, name: str) -> Bridge | None:
        return next((b for b in self.bridges if b.name == name), None)


@frozen
class OvnBridgeMapping(Located):
    """localnet (physical network name) → OVS bridge on the node."""

    localnet: str = ""
    bridge: str = ""


@frozen
class OvsBridge(Located):
    """An Open vSwitch bridge (nmstate `type: ovs-bridge`, read from an NNCP). It exists only in the OVS
    database: its kernel side, the one that can hold an address, is an `ovs-interface` (internal port)."""

    name: str = ""
    ports: tuple[str, ...] = ()  # names under bridge.port (a link-aggregation port by its own name)
    ip_families: tuple[str, ...] = ()  # "ipv4"/"ipv6" enabled on the bridge entry itself (nmstate drops them)


@frozen
class Node(Located):
    name: str = ""
    group: str = ""
    ip: IPAddress | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- networks


@frozen
class AddressRange(Located):
    """An inclusive address range (a pool, a dynamic range, an exclusion)."""

    start: IPAddress = _ZERO_IP
    end: IPAddress = _ZERO_IP

    def __contains__(self, ip: object) -> bool:
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address) or ip.version != self.start.version:
            return False
        return int(self.start) <= int(ip) <= int(self.end)


@frozen
class Network(Located):
    """A VM network. In a site, one entry under `networks`; from manifests, one NAD / SriovNetwork / UDN.

    `namespaces` are where VMs may attach (one NAD each). For a network read from manifests it is the one
    namespace of the NAD; `name` is then the NAD name.
    """

    name: str = ""
    type: NetworkType = "other"
    namespaces: tuple[str, ...] = ()
    # linux-bridge
    bridge: str | None = None
    cni_type: str = ""  # cnv-bridge, bridge, ovn-k8s-cni-overlay, sriov, macvlan, ...
    vlan: int | None = None
    vlan_trunk: tuple[VlanRange, ...] = ()
    preserve_default_vlan: bool | None = None  # None: not written (bridge CNI default is true)
    macspoofchk: bool | None = None
    # addressing
    subnets: tuple[IPNetwork, ...] = ()
    gateway: IPAddress | None = None
    ipam: IpamKind = "none"
    dynamic_ranges: tuple[AddressRange, ...] = ()  # where an IPAM plugin hands out addresses
    exclude_subnets: tuple[IPNetwork, ...] = ()
    exclude_raw: tuple[str, ...] = ()  # excludeSubnets as written (IP-07 checks they are CIDRs)
    mtu: int | None = None
    # OVN-Kubernetes
    topology: str = ""  # layer2 | localnet | layer3
    ovn_network_name: str = ""  # the "name" inside the CNI config (shared by NADs of one OVN network)
    net_attach_def_name: str = ""  # as written in the CNI config
    physical_network: str = ""  # localnet: the bridge-mapping key
    role: str = "secondary"  # primary | secondary (UDN)
    # SR-IOV
    pf: str | None = None
    num_vfs: int | None = None
    vf_range: tuple[int, int] | None = None
    dpdk: bool = False
    resource_name: str = ""
    trust: bool | None = None
    spoof_check: bool | None = None
    # purpose
    purpose: str = ""  # "live-migration" or ""
    origin: Origin = "site"
    source_kind: str = ""  # for manifests: NetworkAttachmentDefinition, SriovNetwork, UserDefinedNetwork, ...
    raw_config_keys: tuple[str, ...] = ()  # top-level keys of the CNI config (VLAN-07, NAD-03)
    config_error: str = ""  # manifests: why spec.config could not be read (NAD-03); place in spans["config_error"]
    config_name: str = ""  # manifests: the "name" inside the CNI config, whatever the CNI type
    static_addresses: tuple[IPInterface, ...] = ()  # "static" IPAM addresses (the same for every attachment)
    node_slice_size: str = ""  # whereabouts Fast IPAM: per-node slice of the top-level `range` as written ("/22")

    @property
    def subnet(self) -> IPNetwork | None:
        return self.subnets[0] if self.subnets else None

    def qualified(self, namespace: str) -> str:
        return f"{namespace}/{self.name}"


@frozen
class SriovPolicy(Located):
    """An SriovNetworkNodePolicy: VFs of PFs on selected nodes under one resource name."""

    name: str = ""
    resource_name: str = ""
    pf_names: tuple[str, ...] = ()
    vf_range: tuple[int, int] | None = None  # from "ens5f0#8-15"
    num_vfs: int = 0
    device_type: str = "netdevice"  # netdevice | vfio-pci
    node_selector: Mapping[str, str] = field(default_factory=dict)
    mtu: int | None = None
    is_rdma: bool = False
    vendor: str = ""
    device_id: str = ""
    node_group: str = ""  # site: the node group whose PF it uses
    origin: Origin = "site"


# ---------------------------------------------------------------------------------------------- VMs


@frozen
class Interface(Located):
    """A VM interface paired with its network (KubeVirt's interfaces[] and networks[] entries)."""

    name: str = ""
    network: str = ""  # site network name, "pod", or a NAD reference "name" / "namespace/name"
    binding: Binding = "bridge"
    model: str = "virtio"
    mac: str | None = None
    ips: tuple[IPInterface, ...] = ()
    state: str = "up"  # up | down | absent
    hotplug: bool = False
    network_name: str = ""  # the KubeVirt networks[].name this interface pairs with (manifests)
    paired: bool = True  # False when interfaces[] and networks[] do not match one to one
    binding_plugin: str = ""  # manifests: the `binding: {name: ...}` plugin name as written (passt, l2bridge, ...)


@frozen
class SshAccess(Located):
    authorized_keys: tuple[str, ...] = ()
    secret_name: str = ""
    via: tuple[str, ...] = ()  # service | virtctl | nodeport
    user: str = ""


@frozen
class Exposure(Located):
    """A port a VM (or VM group) is exposed on, as a Service."""

    name: str = ""
    port: int = 0
    target_port: int | None = None
    protocol: str = "TCP"
    type: str = "ClusterIP"  # ClusterIP | NodePort | LoadBalancer
    pool: str | None = None
    ip: IPAddress | None = None
    node_port: int | None = None


@frozen
class Resources(Located):
    cores: int | None = None
    memory: str | None = None
    hugepages: str | None = None
    dedicated_cpus: bool = False


@frozen
class Vm(Located):
    """A VirtualMachine (a VM group in the site is expanded to one Vm each)."""

    name: str = ""
    namespace: str = "default"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    interfaces: tuple[Interface, ...] = ()
    ssh: SshAccess | None = None
    expose: tuple[Exposure, ...] = ()
    service_mesh: bool = False
    resources: Resources | None = None
    run_strategy: str = "Always"
    guest_agent: bool = True
    cloud_init_network: bool = False  # manifests: cloud-init networkData present
    group: str = ""  # the VM group pattern it was expanded from, "" for a single VM
    kind: str = "VirtualMachine"  # VirtualMachine | VirtualMachineInstance
    origin: Origin = "site"
    image: str = ""
    # manifests: disks[].name of the disks that need a volume (CD-ROMs, which may be empty, left out; each has
    # spans["disks[i]"]) and volumes[].name
    disks: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- services


@frozen
class ServicePort(Located):
    name: str = ""
    port: int = 0
    target_port: int | str | None = None
    protocol: str = "TCP"
    node_port: int | None = None


@frozen
class Service(Located):
    name: str = ""
    namespace: str = "default"
    type: str = "ClusterIP"
    selector: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[ServicePort, ...] = ()
    load_balancer_ips: tuple[IPAddress, ...] = ()  # requested (spec.loadBalancerIP / MetalLB annotations)
    pool: str | None = None  # requested MetalLB pool (annotation)
    ip_families: tuple[str, ...] = ()
    target_vms: tuple[str, ...] = ()  # site: "namespace/name" of the VMs it was made for
    origin: Origin = "site"


@frozen
class AddressPool(Located):
    """A MetalLB IPAddressPool."""

    name: str = ""
    namespace: str = "metallb-system"
    ranges: tuple[AddressRange, ...] = ()
    auto_assign: bool = True
    advertise: tuple[str, ...] = ()  # site: l2 | bgp
    origin: Origin = "site"


@frozen
class Advertisement(Located):
    """A MetalLB L2Advertisement or BGPAdvertisement. Empty `pools` (and no selectors) means all pools."""

    name: str = ""
    namespace: str = "metallb-system"
    kind: str = "L2Advertisement"
    pools: tuple[str, ...] = ()
    pool_selectors: bool = False
    origin: Origin = "site"


# ---------------------------------------------------------------------------------------------- cluster add-ons


@frozen
class SecondaryDns(Located):
    enabled: bool = False
    name_server_ip: IPAddress | None = None
    domain: str = ""  # "vm.<base domain>"


@frozen
class HyperConverged(Located):
    """The HyperConverged settings kvnet manages (read from manifests, or derived from the site)."""

    name: str = "kubevirt-hyperconverged"
    namespace: str = "openshift-cnv"
    live_migration_network: str | None = None
    deploy_kube_secondary_dns: bool | None = None
    kube_secondary_dns_name_server_ip: str | None = None
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    origin: Origin = "site"


@frozen
class Namespace(Located):
    name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    origin: Origin = "site"


@frozen
class IgnoredDifference(Located):
    """One `spec.ignoreDifferences` entry of an Argo CD Application: fields of matching objects Argo CD does not diff.

    Empty name/namespace match every object of the group and kind (as in Argo CD).
    """

    group: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_paths: tuple[str, ...] = ()


@frozen
class AppSource(Located):
    """Where an Argo CD Application takes its manifests from: `field` is spec.source, spec.sources or
    spec.sourceHydrator, `path` the source itself (`spec.sources[1]`, `spec.sourceHydrator.drySource`), and
    `tools` the tool blocks it sets (kustomize, helm, directory, plugin, each with its key's span under
    spans[tool]); spans["key"] is the place of the field."""

    field: str = ""
    path: str = ""
    tools: tuple[str, ...] = ()


@frozen
class ObjectRef(Located):
    """Any Kubernetes object seen in manifests, with the metadata GitOps rules look at."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    ignore_differences: tuple[IgnoredDifference, ...] = ()  # Argo CD Applications only
    app_sources: tuple[AppSource, ...] = ()  # Argo CD Applications only
    unknown_fields: tuple[tuple[str, Span], ...] = ()  # (path, key span): fields the kind's API does not have
    missing_fields: tuple[tuple[str, Span], ...] = ()  # (path, parent span): required fields not written


@frozen
class Site(Located):
    """Everything kvnet knows about one cluster's VM networking."""

    name: str = ""
    cluster: Cluster | None = None
    gitops: GitOps | None = None
    mac_pool: MacRange | None = None
    kube_mac_pool: MacRange | None = None
    node_groups: tuple[NodeGroup, ...] = ()
    nodes: tuple[Node, ...] = ()
    networks: tuple[Network, ...] = ()
    sriov_policies: tuple[SriovPolicy, ...] = ()
    pools: tuple[AddressPool, ...] = ()
    advertisements: tuple[Advertisement, ...] = ()
    secondary_dns: SecondaryDns | None = None
    hyperconverged: HyperConverged | None = None
    vms: tuple[Vm, ...] = ()
    services: tuple[Service, ...] = ()
    namespaces: tuple[Namespace, ...] = ()
    objects: tuple[ObjectRef, ...] = ()  # every manifest object (manifests front end)
    origin: Origin = "site"
    files: tuple[str, ...] = ()  # source files the model was read from

    def network(self, name: str, namespace: str | None = None) -> Network | None:
        """The network a VM interface names: "name" (in `namespace`) or "namespace/name"."""
        if "/" in name:
            namespace, name = name.split("/", 1)
        for net in self.networks:
            if net.name == name and (namespace is None or not net.namespaces or namespace in net.namespaces):
                return net
        return None

    def node_group(self, name: str) -> NodeGroup | None:
        return next((g for g in self.node_groups if g.name == name), None)

    @property
    def migration_network(self) -> Network | None:
        return next((n for n in self.networks if n.purpose == "live-migration"), None)
