"""Small shared lookups for the refs, sriov, kubevirt, migration, nncp and gitops rule families.

No rules live here. Everything answers from the model (both front ends), so a rule reads the same on a site
file and on manifests; where only manifests carry a fact (annotations, object namespaces), the helper says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kvnet.model import Interface, Network, NodeGroup, ObjectRef, Site, SriovPolicy, Vm

POD_NETWORK_NAMES = ("", "pod")
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"


def on_pod_network(iface: Interface) -> bool:
    return iface.network in POD_NETWORK_NAMES


def vm_label(vm: Vm) -> str:
    return f"VM {vm.namespace}/{vm.name}"


def net_label(net: Network) -> str:
    """How messages name a network: a site network by name, a manifest by kind and namespace/name."""
    if net.origin == "manifest":
        kind = net.source_kind or "NetworkAttachmentDefinition"
        where = f"{net.namespaces[0]}/" if net.namespaces else ""
        return f"{kind} {where}{net.name}"
    return f"network {net.name!r}"


def is_openshift(site: Site) -> bool:
    return site.cluster is None or site.cluster.distribution == "openshift"


def looks_openshift(site: Site) -> bool:
    """OpenShift by the cluster facts; for manifests without facts, by objects in openshift-* namespaces."""
    if site.cluster is not None:
        return site.cluster.distribution == "openshift"
    return site.origin == "site" or any(o.namespace.startswith("openshift-") for o in site.objects)


def unseen_in_manifests(site: Site, present: bool) -> bool:
    """True when manifests hold none of the objects a cross-file reference points to.

    A repo (or a single file) without any NNCP, NAD or SR-IOV policy does not manage them: the other
    side of the reference lives elsewhere, so a missing target proves nothing. Sites always declare both.
    """
    return site.origin == "manifest" and not present


def cnv_namespace(site: Site) -> str:
    if site.cluster is not None:
        return site.cluster.cnv_namespace
    return "openshift-cnv"


def resource_base(resource_name: str) -> str:
    """`openshift.io/vmnics` → `vmnics`: the policy's resourceName behind a device-plugin resource."""
    return resource_name.rsplit("/", 1)[-1]


def vf_span(policy: SriovPolicy) -> tuple[int, int]:
    """The VF indexes a policy claims on each of its PFs (inclusive)."""
    if policy.vf_range is not None:
        return policy.vf_range
    return (0, max(policy.num_vfs - 1, 0))


def vf_count(policy: SriovPolicy) -> int:
    low, high = vf_span(policy)
    return high - low + 1 if policy.num_vfs > 0 or policy.vf_range is not None else 0


def policies_by_resource(site: Site) -> dict[str, list[SriovPolicy]]:
    index: dict[str, list[SriovPolicy]] = defaultdict(list)
    for policy in site.sriov_policies:
        index[resource_base(policy.resource_name)].append(policy)
    return index


def policies_for(net: Network, index: dict[str, list[SriovPolicy]], site: Site) -> list[SriovPolicy]:
    """The policies providing an SR-IOV network's VFs: by resource name, else by PF (site networks)."""
    if net.resource_name:
        return index.get(resource_base(net.resource_name), [])
    if net.pf:
        return [p for p in site.sriov_policies if net.pf in p.pf_names]
    return []


def group_nodes(site: Site, group: NodeGroup) -> int:
    """How many known nodes a node group (an NNCP) selects; 0 when no node matches or none are known."""
    count = 0
    for node in site.nodes:
        by_labels = bool(node.labels) and all(node.labels.get(k) == v for k, v in group.selector.items())
        if node.group == group.name or by_labels:
            count += 1
    return count


def wave(obj: ObjectRef) -> int:
    """The Argo CD sync wave of an object (0 when unset or not a number)."""
    text = obj.annotations.get(SYNC_WAVE, "0")
    try:
        return int(str(text).strip())
    except ValueError:
        return 0


def sync_options(obj: ObjectRef) -> set[str]:
    return {part.strip() for part in str(obj.annotations.get(SYNC_OPTIONS, "")).split(",") if part.strip()}


def api_group(obj: ObjectRef) -> str:
    return obj.api_version.split("/", 1)[0] if "/" in obj.api_version else ""


def first(items: Iterable[ObjectRef]) -> ObjectRef | None:
    return next(iter(items), None)
