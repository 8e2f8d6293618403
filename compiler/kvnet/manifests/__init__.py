"""The manifests front end: existing Kubernetes YAML → the same model the site front end builds.

    read = read_manifests(documents, texts)   # or read_manifest_files(source_files)
    read.site       # kvnet.model.Site, origin "manifest" on every object
    read.skipped    # (span, reason) for documents that are not objects kvnet models (for -v)
    read.problems   # InputProblems: fields of the wrong type, unreadable embedded text (never an exception)

One module per kind (nncp, nad, sriov, vm, service, metallb, cluster, udn); embedded JSON/YAML (CNI
configs, SR-IOV ipam, cloud-init networkData) is parsed with positions mapped back into the manifest.
"""

from __future__ import annotations

from kvnet.manifests.reader import (
    READERS,
    ManifestRead,
    ManifestReader,
    api_group,
    is_kubernetes_object,
    read_manifest_files,
    read_manifests,
)

__all__ = ["READERS", "ManifestRead", "ManifestReader", "api_group", "is_kubernetes_object", "read_manifest_files",
           "read_manifests"]
