"""The compile spine: a Site → an ordered bundle of files → one YAML stream or a folder.

Layout (one object per file; folders sort in dependency order, the sync-wave annotations carry the order to
Argo CD; see common.py for the waves):

    00-namespaces/<ns>.yaml                  10-nncp/<group>.yaml          10-sriov-policies/<name>.yaml
    20-nads/<ns>/<name>.yaml                 20-sriov-networks/<name>.yaml 20-metallb/<kind>-<name>.yaml
    30-hyperconverged/<name>.yaml            40-secrets/<ns>/<name>.yaml   40-services/<ns>/<name>.yaml
    50-vms/<ns>/<name>.yaml                  kustomization.yaml            argocd/<site>.yaml

`kustomization.yaml` lists every object file. The Argo CD Application is *not* in it (nor in the stream):
it is what points Argo CD at this folder, applied once by hand or from an app-of-apps repository.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import field
from pathlib import Path

from kvnet.emit.argocd import application, application_set
from kvnet.emit.common import Allocations, Manifest, dns_name
from kvnet.emit.hyperconverged import hyperconverged_manifests
from kvnet.emit.metallb import metallb_manifests
from kvnet.emit.nad import nad_manifests
from kvnet.emit.namespaces import namespace_manifests
from kvnet.emit.nncp import nncp_manifests
from kvnet.emit.services import service_manifests
from kvnet.emit.sriov import sriov_network_manifests, sriov_policy_manifests
from kvnet.emit.vm import vm_manifests
from kvnet.emit.writer import write_files
from kvnet.emit.yamlout import dump_document, dump_stream
from kvnet.errors import KvnetInputError
from kvnet.frozen import frozen
from kvnet.model import Site

KUSTOMIZATION = "kustomization.yaml"

# kind → (folder, whether the file sits in a per-namespace sub-folder)
_LAYOUT: dict[str, tuple[str, bool]] = {
    "Namespace": ("00-namespaces", False),
    "NodeNetworkConfigurationPolicy": ("10-nncp", False),
    "SriovNetworkNodePolicy": ("10-sriov-policies", False),
    "NetworkAttachmentDefinition": ("20-nads", True),
    "SriovNetwork": ("20-sriov-networks", False),
    "IPAddressPool": ("20-metallb", False),
    "L2Advertisement": ("20-metallb", False),
    "BGPAdvertisement": ("20-metallb", False),
    "HyperConverged": ("30-hyperconverged", False),
    "Secret": ("40-secrets", True),
    "Service": ("40-services", True),
    "VirtualMachine": ("50-vms", True),
    "Application": ("argocd", False),
}
_METALLB = {"IPAddressPool", "L2Advertisement", "BGPAdvertisement"}


@frozen
class BundleFile:
    path: str  # relative, POSIX separators
    manifest: Manifest
    resource: bool = True  # an object Argo CD syncs: listed in kustomization.yaml and in the stream


@frozen
class Bundle:
    """The compiled site: files in a stable order. Iterating yields (relative path, manifest) pairs."""

    site_name: str
    files: tuple[BundleFile, ...]
    allocations: Allocations = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[str, Manifest]]:
        return iter((f.path, f.manifest) for f in self.files)

    def __len__(self) -> int:
        return len(self.files)

    def resources(self) -> list[Manifest]:
        """The objects Argo CD syncs, in bundle order (what the stream and the kustomization hold)."""
        return [f.manifest for f in self.files if f.resource]

    def texts(self) -> dict[str, str]:
        """Every file's content, by relative path."""
        return {f.path: dump_document(f.manifest) for f in self.files}


def path_for(manifest: Manifest) -> str:
    kind = manifest["kind"]
    folder, by_namespace = _LAYOUT[kind]
    meta = manifest["metadata"]
    stem = f"{kind.lower()}-{meta['name']}" if kind in _METALLB else meta["name"]
    if by_namespace:
        return f"{folder}/{meta['namespace']}/{stem}.yaml"
    return f"{folder}/{stem}.yaml"


def _site_manifests(site: Site, allocations: Allocations) -> list[Manifest]:
    manifests = namespace_manifests(site)
    manifests += nncp_manifests(site)
    manifests += sriov_policy_manifests(site)
    manifests += nad_manifests(site)
    manifests += sriov_network_manifests(site)
    manifests += metallb_manifests(site)
    manifests += hyperconverged_manifests(site)
    manifests += service_manifests(site)
    for vm in sorted(site.vms, key=lambda v: (v.namespace, v.name)):
        if vm.origin == "site":
            manifests += vm_manifests(site, vm, allocations)
    return manifests


def _files(manifests: list[Manifest]) -> list[BundleFile]:
    by_path: dict[str, Manifest] = {}
    for manifest in manifests:
        path = path_for(manifest)
        if by_path.get(path) == manifest:
            continue  # one object shared by several VMs (a group's SSH key Secret)
        if path in by_path:
            meta = manifest["metadata"]
            where = f"{meta.get('namespace')}/{meta['name']}" if meta.get("namespace") else meta["name"]
            raise KvnetInputError.single(
                f"the site defines {manifest['kind']} {where} twice; both would be written to {path}",
                hint="give the objects different names",
            )
        by_path[path] = manifest
    return [BundleFile(path, by_path[path]) for path in sorted(by_path)]


def compile_site(site: Site, allocations: Allocations | None = None) -> Bundle:
    """Compile a checked site into its bundle.

    `allocations` is the seam for the MAC/IP lock file (issue 7): (namespace, vm, interface) →
    `kvnet.emit.common.Addresses`; without it the MACs and IPs written in the site are used.
    """
    allocated: Allocations = dict(allocations or {})
    files = _files(_site_manifests(site, allocated))
    paths = [f.path for f in files]
    kustomization: Manifest = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": paths,
    }
    extra = [BundleFile(KUSTOMIZATION, kustomization, resource=False)]
    app = application(site, (f.manifest for f in files))
    if app is not None:
        extra.append(BundleFile(path_for(app), app, resource=False))
    return Bundle(site.name, tuple(files + sorted(extra, key=lambda f: f.path)), allocated)


def combine_sites(bundles: Sequence[Bundle], sites: Sequence[Site], name: str = "kvnet-sites") -> Bundle:
    """Several compiled sites in one output: each in a folder named after the site, with one Argo CD
    ApplicationSet (an Application per site) instead of the per-site Applications."""
    files: list[BundleFile] = []
    for bundle in sorted(bundles, key=lambda b: b.site_name):
        folder = dns_name(bundle.site_name)
        files.extend(
            BundleFile(f"{folder}/{f.path}", f.manifest, f.resource)
            for f in bundle.files
            if f.manifest.get("kind") != "Application"
        )
    appset = application_set(name, sites)
    files.append(BundleFile("argocd/applicationset.yaml", appset, resource=False))
    allocated: Allocations = {key: value for bundle in bundles for key, value in bundle.allocations.items()}
    return Bundle(name, tuple(files), allocated)


def render_stream(bundle: Bundle) -> str:
    """The synced objects as one `---`-separated YAML stream (byte-identical for the same bundle)."""
    return dump_stream(bundle.resources())


def write_bundle(bundle: Bundle, out_dir: Path, force: bool = False) -> None:
    """Write the bundle into `out_dir` atomically (see writer.py); refuses foreign folders unless `force`."""
    write_files(bundle.texts(), Path(out_dir), force=force)
