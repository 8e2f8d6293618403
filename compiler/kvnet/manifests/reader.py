"""Kubernetes documents → one Site: dispatch each object to the reader of its kind.

Every Kubernetes object becomes an ObjectRef (for the GitOps rules); the kinds kvnet models also become
model objects with origin "manifest". Documents that are not Kubernetes objects, and kinds kvnet does
not model, are listed in `skipped` with the reason; fields of the wrong type are listed in `problems`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kvnet.errors import InputProblem
from kvnet.load import Document, SourceFile, YMap
from kvnet.manifests.argocd import read_application
from kvnet.manifests.cluster import read_hyperconverged, read_namespace
from kvnet.manifests.context import Meta, ReadContext, SiteParts, object_ref, read_meta
from kvnet.manifests.fields import Obj
from kvnet.manifests.metallb import read_advertisement, read_pool
from kvnet.manifests.nad import read_nad
from kvnet.manifests.nncp import read_nncp
from kvnet.manifests.positions import SourceTexts
from kvnet.manifests.service import read_service
from kvnet.manifests.sriov import read_sriov_network, read_sriov_policy
from kvnet.manifests.structure import check_structure
from kvnet.manifests.udn import read_cudn, read_udn
from kvnet.manifests.vm import read_vm, read_vmi
from kvnet.model import Network, Site
from kvnet.span import Span, file_span

KindReader = Callable[[Obj, Meta, ReadContext], None]

# (API group, kind) → reader; the core group is ""
READERS: dict[tuple[str, str], KindReader] = {
    ("nmstate.io", "NodeNetworkConfigurationPolicy"): read_nncp,
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition"): read_nad,
    ("sriovnetwork.openshift.io", "SriovNetworkNodePolicy"): read_sriov_policy,
    ("sriovnetwork.openshift.io", "SriovNetwork"): read_sriov_network,
    ("kubevirt.io", "VirtualMachine"): read_vm,
    ("kubevirt.io", "VirtualMachineInstance"): read_vmi,
    ("", "Service"): read_service,
    ("", "Namespace"): read_namespace,
    ("metallb.io", "IPAddressPool"): read_pool,
    ("metallb.io", "L2Advertisement"): read_advertisement,
    ("metallb.io", "BGPAdvertisement"): read_advertisement,
    ("hco.kubevirt.io", "HyperConverged"): read_hyperconverged,
    ("k8s.ovn.org", "UserDefinedNetwork"): read_udn,
    ("k8s.ovn.org", "ClusterUserDefinedNetwork"): read_cudn,
    ("argoproj.io", "Application"): read_application,
}


@dataclass
class ManifestRead:
    """What read_manifests found: the model, what it skipped (for `-v`) and the fields it could not use."""

    site: Site
    skipped: list[tuple[Span, str]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def is_kubernetes_object(data: Any) -> bool:
    """A mapping with a non-empty string `apiVersion` and `kind`."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
        and bool(data["apiVersion"])
        and bool(data["kind"])
    )


def api_group(api_version: str) -> str:
    """`k8s.cni.cncf.io/v1` → `k8s.cni.cncf.io`; `v1` → "" (the core group)."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def read_manifests(documents: Iterable[Document], texts: Mapping[str, str] | None = None) -> ManifestRead:
    """Read Kubernetes documents into one Site (origin "manifest").

    `texts` maps a document's file name to the file's text; it is needed to place findings inside
    embedded JSON/YAML (NAD configs, cloud-init). Files not in it are read back from disk by name; when
    that fails, places inside embedded text fall back to the whole string.
    """
    reader = ManifestReader(texts)
    for doc in documents:
        reader.read(doc)
    return reader.result()


class ManifestReader:
    """`read_manifests` one document at a time, so that a caller can let each document go once it is read."""

    def __init__(self, texts: Mapping[str, str] | None = None) -> None:
        self._ctx = ReadContext(SourceTexts(dict(texts or {})))
        self._skipped: list[tuple[Span, str]] = []
        self._files: list[str] = []

    def add_text(self, file: str, text: str) -> None:
        """The text of a file whose documents come next (to place findings inside embedded text)."""
        self._ctx.texts.add(file, text)

    def read(self, doc: Document) -> None:
        self._files.append(doc.file)
        _read_value(doc.data, doc.span, self._ctx, self._skipped)

    def result(self) -> ManifestRead:
        """The Site of every document read so far."""
        return ManifestRead(_assemble(self._ctx.parts, self._files), list(self._skipped), list(self._ctx.problem_list))


def read_manifest_files(files: Iterable[SourceFile]) -> ManifestRead:
    """read_manifests over every document of loaded files, with their texts."""
    loaded = list(files)
    documents = [doc for source in loaded for doc in source.documents]
    return read_manifests(documents, {source.path: source.text for source in loaded})


def _read_value(data: Any, span: Span, ctx: ReadContext, skipped: list[tuple[Span, str]]) -> None:
    if not is_kubernetes_object(data) or not isinstance(data, YMap):
        reason = "an empty document" if data is None else "not a Kubernetes object (no apiVersion and kind)"
        skipped.append((span, reason))
        return
    obj = Obj(data, "", ctx.problems)
    kind, api_version = data["kind"], data["apiVersion"]
    if kind.endswith("List") and "items" in data:  # kubectl's `kind: List` and typed lists
        for item in obj.items("items"):
            _read_value(item.value, item.span, ctx, skipped)
        return
    meta = read_meta(obj)
    ctx.parts.objects.append(check_structure(object_ref(meta), data))
    reader = READERS.get((api_group(api_version), kind))
    if reader is None:
        skipped.append((span, f"{kind} ({api_version}) is not a kind kvnet models; only its metadata is read"))
        return
    reader(obj, meta, ctx)


def _assemble(parts: SiteParts, files: list[str]) -> Site:
    unique_files = tuple(dict.fromkeys(files))
    span = file_span(unique_files[0]) if unique_files else Span("<manifests>", 1, 1, 1, 1)
    hco = parts.hyperconverged[0] if parts.hyperconverged else None
    networks = _mark_migration_network(parts.networks, hco.live_migration_network if hco else None,
                                       hco.namespace if hco else "")
    return Site(
        span,
        name="manifests",
        node_groups=tuple(parts.node_groups),
        networks=tuple(networks),
        sriov_policies=tuple(parts.sriov_policies),
        pools=tuple(parts.pools),
        advertisements=tuple(parts.advertisements),
        hyperconverged=hco,
        vms=tuple(parts.vms),
        services=tuple(parts.services),
        namespaces=tuple(parts.namespaces),
        objects=tuple(parts.objects),
        origin="manifest",
        files=unique_files,
    )


def _mark_migration_network(networks: list[Network], name: str | None, namespace: str) -> list[Network]:
    """The NAD HyperConverged's liveMigrationConfig.network names (in the HCO namespace) gets purpose
    "live-migration", so `site.migration_network` finds it; a missing one is for the rules to report."""
    if not name:
        return networks
    return [
        replace(net, purpose="live-migration")
        if net.name == name and net.source_kind == "NetworkAttachmentDefinition" and namespace in net.namespaces
        else net
        for net in networks
    ]
