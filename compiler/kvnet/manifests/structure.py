"""The API structure of the kinds kvnet models: which fields exist, which are required, which versions are
served, which kinds a group has.

The kind readers take the fields they model and ignore the rest, so a field in the wrong place or with a
wrong name would pass unseen. Kubernetes does not ignore it: the API server prunes unknown fields of a
structural CRD (the setting is lost, at most with a warning) or, under strict field validation, refuses
the object. This module walks each object against compact tables of the fields at the levels that matter
for VM networking and records the fields the API does not have and the required ones that are missing;
the API-* rules (kvnet.rules.api) report them, with suggestions from the same tables.

The tables are written from the upstream API types and CRDs (KubeVirt v1.2-v1.6, kubernetes-nmstate,
SR-IOV network operator, MetalLB v0.14-v0.16, HCO, OVN-Kubernetes UDN, core/v1): each level lists every
field of the newest release plus older fields still served, so only fields no release has are reported.
A level written as a leaf is not looked into (free-form or outside VM networking, e.g. nmstate's
desiredState, which the CRD keeps as written).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from typing import Any

from kvnet.frozen import frozen
from kvnet.load import YList, YMap
from kvnet.model import ObjectRef
from kvnet.span import Span


@frozen
class Shape:
    """One level of an object: its leaf fields, the fields looked into (`children`; a list's child shape
    applies to each of its items) and the fields the API requires there."""

    leaves: frozenset[str]
    children: Mapping[str, Shape] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    known: frozenset[str] = field(init=False, repr=False, compare=False)  # leaves and children

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", self.leaves | self.children.keys())

    def knows(self, key: str) -> bool:
        return key in self.known

    @property
    def names(self) -> list[str]:
        return sorted(self.leaves | set(self.children))


def shape(leaves: str, required: str = "", **children: Shape) -> Shape:
    """`shape("a b", required="a", c=shape(...))`: leaves and required fields as space-separated names."""
    return Shape(frozenset(leaves.split()), dict(children), tuple(required.split()))


# ------------------------------------------------------------------------------------------------ tables

OBJECT_META = shape("name generateName namespace selfLink uid resourceVersion generation creationTimestamp "
                    "deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences finalizers "
                    "managedFields")


def top(spec: Shape | None = None, *, status: bool = True, required: str = "") -> Shape:
    """A Kubernetes object: apiVersion, kind, metadata, spec (looked into when given) and status."""
    leaves = "apiVersion kind" + (" status" if status else "") + ("" if spec else " spec")
    return shape(leaves, required, metadata=OBJECT_META, **({"spec": spec} if spec else {}))


# kubevirt.io/v1 (KubeVirt api/core/v1 types; schema of v1.6 plus older served fields)
KV_INTERFACE = shape("acpiIndex binding bootOrder bridge dhcpOptions macAddress macvtap masquerade model name passt "
                     "pciAddress ports slirp sriov state tag", required="name")
KV_NETWORK = shape("name", required="name", multus=shape("default networkName", required="networkName"),
                   pod=shape("vmIPv6NetworkCIDR vmNetworkCIDR"))
KV_DEVICES = shape("autoattachGraphicsDevice autoattachInputDevice autoattachMemBalloon autoattachPodInterface "
                   "autoattachSerialConsole autoattachVSOCK blockMultiQueue clientPassthrough disableHotplug disks "
                   "downwardMetrics filesystems gpus hostDevices inputs logSerialConsole networkInterfaceMultiqueue "
                   "panicDevices rng sound tpm useVirtioTransitional video watchdog", interfaces=KV_INTERFACE)
KV_DOMAIN = shape("chassis clock cpu features firmware ioThreads ioThreadsPolicy launchSecurity machine memory "
                  "resources", required="devices", devices=KV_DEVICES)
KV_VOLUME = shape("cloudInitConfigDrive cloudInitNoCloud configMap containerDisk dataVolume downwardAPI "
                  "downwardMetrics emptyDisk ephemeral hostDisk memoryDump name persistentVolumeClaim secret "
                  "serviceAccount sysprep", required="name")
VMI_SPEC = shape("accessCredentials affinity architecture dnsConfig dnsPolicy evictionStrategy hostname "
                 "livenessProbe nodeSelector priorityClassName readinessProbe resourceClaims schedulerName "
                 "startStrategy subdomain terminationGracePeriodSeconds tolerations topologySpreadConstraints",
                 required="domain", domain=KV_DOMAIN, networks=KV_NETWORK, volumes=KV_VOLUME)
VM_SPEC = shape("dataVolumeTemplates instancetype preference runStrategy running updateVolumesStrategy",
                required="template", template=shape("metadata", spec=VMI_SPEC))  # template.metadata: free-form
KUBEVIRT_SPEC = shape("certificateRotateStrategy configuration customizeComponents imagePullPolicy imagePullSecrets "
                      "imageRegistry imageTag infra monitorAccount monitorNamespace productComponent productName "
                      "productVersion serviceMonitorNamespace uninstallStrategy workloadUpdateStrategy workloads")

# sriovnetwork.openshift.io/v1 (sriov-network-operator api/v1 types and CRDs)
SRIOV_POLICY_SPEC = shape("bridge deviceType eSwitchMode excludeTopology externallyManaged isRdma linkType mtu "
                          "needVhostNet nodeSelector numVfs priority resourceName vdpaType",
                          required="nicSelector nodeSelector numVfs resourceName",
                          nicSelector=shape("deviceID netFilter pfNames rootDevices vendor"))
SRIOV_NETWORK_SPEC = shape("capabilities ipam linkState logFile logLevel maxTxRate metaPlugins minTxRate "
                           "networkNamespace resourceName spoofChk trust vlan vlanProto vlanQoS",
                           required="resourceName")

# metallb.io/v1beta1
POOL_SPEC = shape("addresses autoAssign avoidBuggyIPs", required="addresses",
                  serviceAllocation=shape("namespaceSelectors namespaces priority serviceSelectors"))
L2_SPEC = shape("interfaces ipAddressPoolSelectors ipAddressPools nodeSelectors serviceSelectors")
BGP_SPEC = shape("aggregationLength aggregationLengthV6 communities ipAddressPoolSelectors ipAddressPools localPref "
                 "nodeSelectors peers serviceSelectors")

# hco.kubevirt.io: v1beta1 (released) and v1 (newer layout, fields grouped by area)
HCO_V1BETA1_SPEC = shape(
    "CommonInstancetypesDeployment applicationAwareConfig certConfig changedBlockTrackingLabelSelectors "
    "commonBootImageNamespace commonTemplatesNamespace dataImportCronTemplates defaultCPUModel defaultRuntimeClass "
    "deployVmConsoleProxy enableApplicationAwareQuota enableCommonBootImageImport evictionStrategy featureGates "
    "filesystemOverhead higherWorkloadDensity hypervisors infra instancetypeConfig ksmConfiguration "
    "kubeMacPoolConfiguration kubeSecondaryDNSNameServerIP liveUpdateConfiguration localStorageClassName "
    "logVerbosityConfig mediatedDevicesConfiguration networkBinding obsoleteCPUs permittedHostDevices "
    "resourceRequirements roleAggregationStrategy scratchSpaceStorageClass storageImport tektonPipelinesNamespace "
    "tektonTasksNamespace tlsSecurityProfile tuningPolicy uninstallStrategy vddkInitImage virtualMachineOptions "
    "vmStateStorageClass workloadUpdateStrategy workloads",
    liveMigrationConfig=shape("allowAutoConverge allowPostCopy allowWorkloadDisruption bandwidthPerMigration "
                              "completionTimeoutPerGiB network parallelMigrationsPerCluster "
                              "parallelOutboundMigrationsPerNode progressTimeout"))
HCO_V1_SPEC = shape("deployment featureGates networking observability security storage virtualization "
                    "workloadSources")

# k8s.ovn.org/v1 (ipamLifecycle: layer2 field of CRDs before 2025-01, still in OCP 4.17)
UDN_LAYER2 = shape("defaultGatewayIPs infrastructureSubnets ipam ipamLifecycle joinSubnets mtu reservedSubnets role "
                   "subnets")
UDN_LAYER3 = shape("joinSubnets mtu role subnets")
UDN_SPEC = shape("topology", required="topology", layer2=UDN_LAYER2, layer3=UDN_LAYER3)
CUDN_SPEC = shape("namespaceSelector uplinks", required="namespaceSelector network",
                  network=shape("evpn noOverlay topology transport", required="topology", layer2=UDN_LAYER2,
                                layer3=UDN_LAYER3,
                                localnet=shape("excludeSubnets ipam mtu physicalNetworkName role subnets vlan")))

# core/v1
SERVICE_SPEC = shape("allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName "
                     "externalTrafficPolicy healthCheckNodePort internalTrafficPolicy ipFamilies ipFamilyPolicy "
                     "loadBalancerClass loadBalancerIP loadBalancerSourceRanges publishNotReadyAddresses selector "
                     "sessionAffinity sessionAffinityConfig trafficDistribution type",
                     ports=shape("appProtocol name nodePort port protocol targetPort", required="port"))


@frozen
class KindApi:
    """A kind's served versions and its shape (per version where the layout differs)."""

    served: tuple[str, ...]
    shape: Shape
    by_version: Mapping[str, Shape] = field(default_factory=dict)

    def shape_for(self, version: str) -> Shape:
        return self.by_version.get(version, self.shape)


KUBEVIRT_VERSIONS = ("v1", "v1alpha3")  # v1alpha3: served, deprecated (api/core/v1 register.go)
KINDS: dict[tuple[str, str], KindApi] = {
    ("kubevirt.io", "VirtualMachine"): KindApi(KUBEVIRT_VERSIONS, top(VM_SPEC, required="spec")),
    ("kubevirt.io", "VirtualMachineInstance"): KindApi(KUBEVIRT_VERSIONS, top(VMI_SPEC, required="spec")),
    ("kubevirt.io", "KubeVirt"): KindApi(KUBEVIRT_VERSIONS, top(KUBEVIRT_SPEC)),
    ("nmstate.io", "NodeNetworkConfigurationPolicy"): KindApi(
        ("v1", "v1beta1"), top(shape("capture desiredState maxUnavailable nodeSelector"))),
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition"): KindApi(("v1",), top(shape("config"), status=False)),
    ("sriovnetwork.openshift.io", "SriovNetworkNodePolicy"): KindApi(("v1",), top(SRIOV_POLICY_SPEC)),
    ("sriovnetwork.openshift.io", "SriovNetwork"): KindApi(("v1",), top(SRIOV_NETWORK_SPEC)),
    ("metallb.io", "IPAddressPool"): KindApi(("v1beta1",), top(POOL_SPEC, required="spec")),
    ("metallb.io", "L2Advertisement"): KindApi(("v1beta1",), top(L2_SPEC)),
    ("metallb.io", "BGPAdvertisement"): KindApi(("v1beta1",), top(BGP_SPEC)),
    ("hco.kubevirt.io", "HyperConverged"): KindApi(("v1beta1", "v1"), top(HCO_V1BETA1_SPEC),
                                                   {"v1": top(HCO_V1_SPEC)}),
    ("k8s.ovn.org", "UserDefinedNetwork"): KindApi(("v1",), top(UDN_SPEC, required="spec")),
    ("k8s.ovn.org", "ClusterUserDefinedNetwork"): KindApi(("v1",), top(CUDN_SPEC, required="spec")),
    ("", "Service"): KindApi(("v1",), top(SERVICE_SPEC)),
}

# The kinds of each API group. `complete`: every kind the group has (any other kind is an error);
# otherwise only a kind that differs from a listed one by letter case is reported.
GROUP_KINDS: dict[str, tuple[frozenset[str], bool]] = {
    "kubevirt.io": (frozenset({"VirtualMachine", "VirtualMachineInstance", "VirtualMachineInstanceMigration",
                               "VirtualMachineInstanceReplicaSet", "VirtualMachineInstancePreset", "KubeVirt"}), True),
    "hco.kubevirt.io": (frozenset({"HyperConverged"}), True),
    "nmstate.io": (frozenset({"NodeNetworkConfigurationPolicy", "NodeNetworkConfigurationEnactment",
                              "NodeNetworkState", "NMState"}), True),
    "sriovnetwork.openshift.io": (frozenset({"SriovNetworkNodePolicy", "SriovNetwork", "SriovIBNetwork",
                                             "OVSNetwork", "SriovNetworkNodeState", "SriovOperatorConfig",
                                             "SriovNetworkPoolConfig"}), True),
    "k8s.cni.cncf.io": (frozenset({"NetworkAttachmentDefinition", "MultiNetworkPolicy", "IPAMClaim"}), False),
    "metallb.io": (frozenset({"IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer", "BFDProfile",
                              "Community", "MetalLB", "ServiceL2Status", "ServiceBGPStatus", "ConfigurationState",
                              "AddressPool"}), False),
    "k8s.ovn.org": (frozenset({"UserDefinedNetwork", "ClusterUserDefinedNetwork", "EgressIP", "EgressFirewall",
                               "EgressQoS", "EgressService", "AdminPolicyBasedExternalRoute", "RouteAdvertisements",
                               "NetworkQoS"}), False),
}

# ------------------------------------------------------------------------------------------------ lookups


def split_api_version(api_version: str) -> tuple[str, str]:
    """`nmstate.io/v1` → ("nmstate.io", "v1"); `v1` → ("", "v1")."""
    group, _, version = api_version.rpartition("/")
    return group, version


def kind_api(api_version: str, kind: str) -> KindApi | None:
    return KINDS.get((split_api_version(api_version)[0], kind))


def served_versions(api_version: str, kind: str) -> tuple[str, ...] | None:
    """The versions the kind's group serves it in, or None for kinds kvnet does not know."""
    api = kind_api(api_version, kind)
    return api.served if api else None


def unknown_kind(api_version: str, kind: str) -> tuple[bool, str | None]:
    """(is the kind unknown in a known group, the kind probably meant)."""
    known = GROUP_KINDS.get(split_api_version(api_version)[0])
    if known is None or kind in known[0]:
        return False, None
    kinds, complete = known
    same_letters = next((k for k in sorted(kinds) if k.lower() == kind.lower()), None)
    if same_letters is not None:
        return True, same_letters
    if not complete:
        return False, None
    close = difflib.get_close_matches(kind, sorted(kinds), 1, 0.6)
    return True, close[0] if close else None


_INDEX = re.compile(r"\[\d+\]")


def _schema_paths(level: Shape, prefix: str = "") -> Iterator[str]:
    for name in level.names:
        path = f"{prefix}.{name}" if prefix else name
        yield path
        if name in level.children:
            yield from _schema_paths(level.children[name], path)


def suggest_field(api_version: str, kind: str, path: str) -> str | None:
    """The field probably meant by an unknown field at `path` (as recorded: dotted, list items as [i]).

    The same name at another level (the field sits too high or too low, e.g. a VM's `spec.domain` →
    `spec.template.spec.domain`) wins over a similar name beside it (`nicSelector.pfName` → `pfNames`).
    """
    api = kind_api(api_version, kind)
    if api is None:
        return None
    root = api.shape_for(split_api_version(api_version)[1])
    as_written = path.split(".")  # list items keep their [i], so the suggestion points at the same item
    written = [_INDEX.sub("", step) for step in as_written]
    key, parent = written[-1], written[:-1]
    elsewhere = [p.split(".") for p in _schema_paths(root) if p.split(".")[-1] == key]

    def shared(candidate: list[str]) -> int:
        return next((i for i, (a, b) in enumerate(zip(candidate, parent, strict=False)) if a != b),
                    min(len(candidate), len(parent)))

    if elsewhere:
        best = max(shared(c) for c in elsewhere)
        closest = [c for c in elsewhere if shared(c) == best]
        if len(closest) == 1:
            return ".".join(as_written[:best] + closest[0][best:])
    level: Shape | None = root
    for step in parent:
        level = level.children.get(step) if level else None
    if level is not None:
        close = difflib.get_close_matches(key, level.names, 1, 0.6)
        if close:
            return ".".join([*as_written[:-1], close[0]])
    return None


# ------------------------------------------------------------------------------------------------ the walk


# A path is built only for the fields reported: `(parent path, step)` pairs, joined by _path_text.
Path = tuple[Any, str | int] | None
# Where a missing required field is reported: the span of the level, or (container, key or index) of it.
Where = Span | tuple[Any, str | int]


def _path_text(path: Path) -> str:
    steps: list[str | int] = []
    while path is not None:
        path, step = path
        steps.append(step)
    text = ""
    for step in reversed(steps):
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _span_at(where: Where) -> Span:
    if isinstance(where, Span):
        return where
    container, step = where
    span: Span = container.item_span(step) if isinstance(step, int) else container.key_span(step)
    return span


_CONTAINERS = (YMap, YList)


def _walk(value: Any, level: Shape, path: Path, unknown: list[tuple[str, Span]],
          missing: list[tuple[str, Span]], where: Where) -> None:
    # runs over every field of every object: no string or span is made unless something is reported
    if isinstance(value, YList):
        for i, item in enumerate(value):
            if isinstance(item, _CONTAINERS):
                _walk(item, level, (path, i), unknown, missing, (value, i))
        return
    if not isinstance(value, YMap):
        return  # a scalar or null where a mapping belongs: the readers report wrong types
    known = level.known
    children = level.children
    if known.issuperset(value):  # (one pass in C: nearly every mapping has only known fields)
        if children:
            for key, item in value.items():
                if key in children and isinstance(item, _CONTAINERS):
                    _walk(item, children[key], (path, key), unknown, missing, (value, key))
    else:
        for key, item in value.items():
            if key not in known:
                unknown.append((_path_text((path, key)), value.key_span(key)))
            elif key in children and isinstance(item, _CONTAINERS):
                _walk(item, children[key], (path, key), unknown, missing, (value, key))
    for name in level.required:
        if name not in value:
            missing.append((_path_text((path, name)), _span_at(where)))


def check_structure(ref: ObjectRef, data: YMap) -> ObjectRef:
    """The ObjectRef with the unknown and missing fields of its object (unchanged for unknown kinds)."""
    api = kind_api(ref.api_version, ref.kind)
    if api is None:
        return ref
    unknown: list[tuple[str, Span]] = []
    missing: list[tuple[str, Span]] = []
    _walk(data, api.shape_for(split_api_version(ref.api_version)[1]), None, unknown, missing,
          data.value_span("kind") if "kind" in data else data.span)
    if not unknown and not missing:
        return ref
    return replace(ref, unknown_fields=tuple(unknown), missing_fields=tuple(missing))
